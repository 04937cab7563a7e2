"""TaskStore and Quotas: atomic slots, compare-and-set transitions, monotonic progress."""
import threading

import fakeredis
import pytest
from service_support import config, redis_client, store  # noqa: F401

from srtmedia.tasks.quotas import ServerBusy, UserLimitReached
from srtmedia.tasks.store import TaskStore


def admit(store, user="alice", n=0):
    task_id = f"{user}:00000000-0000-4000-8000-{n:012d}"
    store.admit(store.new_record(task_id))
    return task_id


def test_slots_per_user_and_global(store):
    ids = [admit(store, n=n) for n in range(5)]
    with pytest.raises(UserLimitReached):
        admit(store, n=99)
    for n in range(15):
        admit(store, user=f"u{n}")
    with pytest.raises(ServerBusy):
        admit(store, user="late")
    assert store.quotas.global_count() == 20
    assert store.release(ids[0]) and not store.release(ids[0])
    assert store.quotas.global_count() == 19


def test_readmitting_a_task_is_a_no_op(store):
    task_id = admit(store)
    store.admit(store.new_record(task_id))
    assert store.quotas.global_count() == 1


def test_concurrent_admission_takes_exactly_the_limit(config):
    shared = fakeredis.FakeServer()
    accepted, errors = [], []

    def one(n):
        try:
            admit(TaskStore(fakeredis.FakeRedis(server=shared), config), n=n)
            accepted.append(n)
        except UserLimitReached:
            errors.append(n)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(accepted) == 5 and len(errors) == 95


def test_progress_never_goes_back_and_stages_only_advance(store):
    task_id = admit(store)
    store.update(task_id, status="processing", stage="aligning", progress=60, message="Aligning 1/2")
    store.update(task_id, stage="transcribing", progress=30, message="late write")
    task = store.get(task_id)
    assert (task["stage"], task["progress"], task["message"]) == ("aligning", 60, "Aligning 1/2")


def test_final_states_are_terminal(store):
    task_id = admit(store)
    assert store.finish(task_id, "completed", result_path="r.json")
    assert not store.finish(task_id, "failed", error_message="late reaper")
    assert not store.update(task_id, status="processing")
    task = store.get(task_id)
    assert (task["status"], task["progress"], task.get("error_message")) == ("completed", 100, None)
    assert store.quotas.global_count() == 0
    assert 0 < store.redis.ttl(f"task:{task_id}") <= store.config.result_ttl


def test_discard_leaves_nothing(store):
    task_id = admit(store)
    store.discard(task_id)
    assert store.get(task_id) is None and store.quotas.global_count() == 0
    assert store.redis.zcard("user:alice:tasks") == 0


def test_unknown_task_updates_are_refused(store):
    assert not store.update("alice:00000000-0000-4000-8000-000000000001", progress=5)


def test_a_task_seen_finished_has_given_its_slot_back(store, monkeypatch):
    """A client that reads the final status may submit again at once: the slot must be free by then."""
    task_ids = [admit(store, n=n) for n in range(5)]
    seen = []
    write = store.update

    def update_and_look(task_id, *args, **fields):
        written = write(task_id, *args, **fields)
        if store.get(task_id)["status"] == "completed":
            seen.append((store.quotas.global_count(), len(store.quotas.active("alice"))))
        return written

    monkeypatch.setattr(store, "update", update_and_look)
    assert store.finish(task_ids[0], "completed")
    assert seen == [(4, 4)]
    admit(store, n=99)    # the user's fifth slot is free again
