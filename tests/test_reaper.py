"""The reaper frees slots of abandoned tasks and deletes expired files, never touching final states."""
import os
import time

from service_support import config, redis_client, service_config, store, task_queue  # noqa: F401

from srtmedia.tasks.folders import create_task_folder
from srtmedia.tasks.reaper import MAX_RECOVERIES, UNQUEUED_KEY, reap, reap_abandoned, remove_expired_files
from srtmedia.tasks.store import TaskStore

TASK = "alice:00000000-0000-4000-8000-000000000001"


def admitted(store, created_at=None, **fields):
    record = store.new_record(TASK, **fields)
    if created_at:
        record["created_at"] = created_at
    store.admit(record)
    return TASK


def test_upload_that_never_finished_is_failed_after_the_grace(store, task_queue):
    admitted(store)
    assert reap_abandoned(store, task_queue) == 0
    store.update(TASK, created_at="2000-01-01T00:00:00.000Z")
    assert reap_abandoned(store, task_queue) == 1
    task = store.get(TASK)
    assert task["status"] == "failed" and "upload" in task["error_message"]
    assert store.quotas.global_count() == 0


def test_lost_job_of_a_running_task_is_failed_naming_the_stage(store, task_queue):
    admitted(store, job_id="gone", status="processing", stage="aligning", progress=72)
    assert reap_abandoned(store, task_queue) == 1
    task = store.get(TASK)
    assert task["error_code"] == "abandoned" and task["stage"] == "aligning"
    assert task["error_message"] == "The task's job was lost while aligning (72%)."


def test_lost_job_of_a_pending_task_is_queued_again_a_few_times(store, task_queue):
    admitted(store, job_id="gone")
    for attempt in range(1, MAX_RECOVERIES + 1):
        assert reap_abandoned(store, task_queue) == 0
        task = store.get(TASK)
        assert (task["status"], task["recoveries"]) == ("pending", attempt) and task_queue.is_waiting(task["job_id"])
        task_queue.discard(task["job_id"])
    assert reap_abandoned(store, task_queue) == 1
    assert store.get(TASK)["error_message"] == "The task's job was lost before processing started."
    assert store.quotas.global_count() == 0


def test_job_taken_by_a_worker_that_died_before_starting_it_is_queued_again(store, task_queue):
    admitted(store)
    job_id = task_queue.enqueue(TASK, 10)
    store.update(TASK, job_id=job_id)
    # What RQ's dequeue does (LMOVE into the intermediate list), then the worker dies.
    store.redis.lmove(task_queue.queue.key, task_queue.queue.intermediate_queue_key)
    assert reap_abandoned(store, task_queue) == 0 and not task_queue.is_waiting(job_id)
    store.redis.set(UNQUEUED_KEY.format(job_id), time.time() - store.config.heartbeat_ttl)
    assert reap_abandoned(store, task_queue) == 0
    assert task_queue.is_waiting(job_id) and store.get(TASK)["recoveries"] == 1
    assert store.redis.llen(task_queue.queue.intermediate_queue_key) == 0


def test_queued_job_is_left_alone(store, task_queue):
    admitted(store)
    job_id = task_queue.enqueue(TASK, 10)
    store.update(TASK, job_id=job_id)
    assert reap_abandoned(store, task_queue) == 0 and store.get(TASK)["status"] == "pending"


def test_started_job_without_heartbeat_is_failed(store, task_queue):
    admitted(store)
    job = task_queue.fetch(task_queue.enqueue(TASK, 10))
    store.update(TASK, job_id=job.id, status="processing")
    job.set_status("started")
    job.started_at = job.created_at.replace(year=2000)
    job.save()
    store.beat(TASK)
    assert reap_abandoned(store, task_queue) == 0
    store.redis.delete(f"task:{TASK}:heartbeat")
    assert reap_abandoned(store, task_queue) == 1
    assert "worker" in store.get(TASK)["error_message"]


def test_final_tasks_only_give_back_a_stale_slot(store, task_queue):
    admitted(store, job_id="gone")
    store.update(TASK, status="completed")  # as if the release had been lost
    assert reap_abandoned(store, task_queue) == 1
    assert store.get(TASK)["status"] == "completed" and store.quotas.global_count() == 0


def test_expired_task_folders_are_removed(tmp_path, redis_client):
    store = TaskStore(redis_client, service_config(tmp_path, upload_grace=0))
    folder = create_task_folder(store.config.data_dir, TASK)
    kept = create_task_folder(store.config.data_dir, "bob:00000000-0000-4000-8000-000000000002")
    store.admit(store.new_record("bob:00000000-0000-4000-8000-000000000002"))
    past = time.time() - 10
    os.utime(folder, (past, past))
    os.utime(kept, (past, past))
    assert remove_expired_files(store) == 1
    assert not os.path.exists(folder) and os.path.exists(kept)


def test_one_round_per_interval(store, task_queue):
    assert reap(store, task_queue) is not None
    assert reap(store, task_queue) is None
