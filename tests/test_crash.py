"""Processes dying under a task: kill -9 of the work horse, of the whole worker, and a job lost in dequeue.

Each crash runs SRTMEDIA_CRASH_REPEAT times (default 3; docs/reliability.md
has the figures of 10+ runs), killing in a different stage each time.
"""
import json
import os
import signal
import time

import psutil
import pytest
from test_service_integration import Client, final

pytestmark = pytest.mark.integration

REPEAT = int(os.environ.get("SRTMEDIA_CRASH_REPEAT", "3"))
STAGES = ("transcribing", "processing_llm", "aligning")
HEARTBEAT_TTL, REAPER_INTERVAL = 2, 1
SETTINGS = {
    "SRTMEDIA_PIPELINE": "service_pipelines:scripted",
    "SRTMEDIA_HEARTBEAT_TTL": HEARTBEAT_TTL, "SRTMEDIA_REAPER_INTERVAL": REAPER_INTERVAL,
    "SRTMEDIA_JOB_RETRIES": 2, "SRTMEDIA_JOB_RETRY_BASE_DELAY": 1, "SRTMEDIA_JOB_MONITORING_INTERVAL": 1,
    "SRTMEDIA_WORKER_TTL": 5, "SRTMEDIA_POLL_AFTER": 1,
}
# Kill to failed: the heartbeat expires, then an idle worker's next reaper round (plus process start-up slack).
REAPER_WINDOW = HEARTBEAT_TTL + 2 * REAPER_INTERVAL + 3


@pytest.fixture
def api(service):
    return Client(service.base_url, "crash")


def horse_of(service, task_id, timeout=10):
    """The pid of the work horse running ``task_id`` (the scripted pipeline writes it)."""
    user, task_uuid = task_id.split(":")
    path = os.path.join(service.folder, "data", "tasks", user, task_uuid, "pid")
    deadline = time.monotonic() + timeout
    while not os.path.exists(path) or not open(path).read():
        assert time.monotonic() < deadline, "the pipeline never started"
        time.sleep(0.02)
    return int(open(path).read())


def run_until(api, stage):
    """Submit a slow task and wait until it is in ``stage``."""
    task_id = api.submit("SLEEP 6").json()["task_id"]
    api.wait(task_id, lambda s: s["stage"] == stage or final(s))
    return task_id


def assert_failed_in(api, db, task_id, stage, killed_at, within, reason):
    status = api.wait(task_id, final, timeout=within + 5)[-1]
    elapsed = time.monotonic() - killed_at
    record = json.loads(db.hget(f"task:{task_id}", "data"))
    assert status["status"] == "failed" and record["error_code"] == "abandoned", status
    assert status["stage"] == stage and f"while {stage}" in status["error_message"], status
    assert reason in status["error_message"], status
    assert elapsed <= within, f"{elapsed:.1f} s to notice"
    print(f"crash: {reason!r} in {stage} noticed after {elapsed:.2f} s")  # figures for docs/reliability.md (-s)
    assert db.scard("user:crash:active_tasks") == 0 and int(db.get("global:active_tasks_count") or 0) == 0
    return elapsed


@pytest.mark.parametrize("attempt", range(REPEAT))
def test_kill_9_of_the_work_horse_fails_the_task_at_once(api, db, service, attempt):
    stage = STAGES[attempt % 3]
    task_id = run_until(api, stage)
    os.kill(horse_of(service, task_id), signal.SIGKILL)
    killed_at = time.monotonic()
    assert_failed_in(api, db, task_id, stage, killed_at, within=2, reason="killed by signal 9")
    time.sleep(1.5)  # a retry would show as a new run; the horse's death is final
    assert api.status(task_id)["status"] == "failed"


@pytest.mark.parametrize("attempt", range(REPEAT))
def test_kill_9_of_the_whole_worker_fails_the_task_within_the_reaper_window(api, db, service, attempt):
    stage = STAGES[attempt % 3]
    task_id = run_until(api, stage)
    worker_pid = psutil.Process(horse_of(service, task_id)).ppid()
    name = next(name for name, process in service.workers.items() if process.pid == worker_pid)
    service.kill_worker(name)  # the worker, its horse and its scheduler, at once
    killed_at = time.monotonic()
    assert_failed_in(api, db, task_id, stage, killed_at, within=REAPER_WINDOW, reason="stopped")
    service.start_worker(f"{name}-again")


@pytest.mark.parametrize("attempt", range(REPEAT))
def test_a_job_taken_off_the_queue_but_never_started_is_run_again(api, db, service, attempt):
    service.stop_workers()
    task_id = api.submit().json()["task_id"]
    # What a worker's dequeue does (RQ LMOVEs the job id into its intermediate list); then it dies.
    assert db.lmove("rq:queue:srtmedia", "rq:queue:srtmedia:intermediate") == task_id.split(":")[1].encode()
    for n in range(2):
        service.start_worker(f"after-loss-{attempt}-{n}")
    status = api.wait(task_id, final, timeout=REAPER_WINDOW + 10)[-1]
    assert status["status"] == "completed" and "recoveries" not in status
    assert db.llen("rq:queue:srtmedia:intermediate") == 0
    assert int(db.get("global:active_tasks_count") or 0) == 0
