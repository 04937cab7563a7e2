"""Load on a running service (tests/service_processes.py): many users submitting scripted tasks, and
the checks that every task ended, none ran twice and every slot was given back.

Used by tests/test_restart.py and bench/soak.py. Calls retry through a restarting API: a submit
carries an Idempotency-Key, so a retry after a lost answer gets the task the first try made.
"""
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
from service_pipelines import runs
from service_support import srt_bytes, wav_bytes

FINAL = ("completed", "failed", "cancelled")
ACTIVE = ("pending", "processing")


def _call(method, url, user, deadline, **kwargs):
    """One request, tried again on connection errors (an API restarting) until ``deadline``."""
    headers = {"X-User-ID": user, **kwargs.pop("headers", {})}
    while True:
        try:
            return requests.request(method, url, headers=headers, timeout=30, **kwargs)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def submit(base_url, user, script="Hi.", timeout=120):
    """Submit until accepted (waiting out 429/503 and API restarts); return the task id."""
    deadline = time.monotonic() + timeout
    key = uuid.uuid4().hex
    while True:
        files = {"srt_file": ("a.srt", srt_bytes(script)), "media_file": ("a.wav", wav_bytes())}
        answer = _call("POST", base_url + "/process/srt_media/", user, deadline, files=files,
                       headers={"Idempotency-Key": key})
        if answer.status_code == 202:
            return answer.json()["task_id"]
        assert answer.status_code in (429, 503), answer.text
        assert time.monotonic() < deadline, f"{user} could not submit for {timeout} s"
        time.sleep(0.25)


def user_of(task_id):
    return task_id.split(":")[0]


def status(base_url, task_id, timeout=60):
    answer = _call("GET", f"{base_url}/tasks/{task_id}/status", user_of(task_id), time.monotonic() + timeout)
    assert answer.status_code == 200, (task_id, answer.status_code, answer.text)
    return answer.json()


def delete(base_url, task_id, timeout=60):
    answer = _call("DELETE", f"{base_url}/tasks/{task_id}", user_of(task_id), time.monotonic() + timeout)
    assert answer.status_code == 200, (task_id, answer.status_code, answer.text)
    return answer.json()


def statuses(base_url, task_ids, threads=8):
    """{task_id: status} read through the API."""
    task_ids = list(task_ids)
    with ThreadPoolExecutor(threads) as pool:
        return dict(zip(task_ids, pool.map(lambda task_id: status(base_url, task_id), task_ids)))


def wait_final(base_url, task_ids, timeout=60, between=None, interval=0.5):
    """{task_id: final status} once every task is final; ``between()`` runs between polling rounds."""
    deadline = time.monotonic() + timeout
    waiting, done = set(task_ids), {}
    while waiting:
        for task_id, seen in statuses(base_url, waiting).items():
            if seen["status"] in FINAL:
                done[task_id] = seen
                waiting.discard(task_id)
        if not waiting:
            break
        assert time.monotonic() < deadline, f"{len(waiting)} tasks not final after {timeout} s, e.g. " \
                                            f"{status(base_url, next(iter(waiting)))}"
        if between:
            between()
        time.sleep(interval)
    return done


def slots(db):
    """(the global counter, {user: set of task ids holding a slot})."""
    held = {}
    for key in db.scan_iter("user:*:active_tasks"):
        members = {m.decode() for m in db.smembers(key)}
        if members:
            held[key.decode().split(":")[1]] = members
    return int(db.get("global:active_tasks_count") or 0), held


def assert_slots_match(db, seen):
    """The slot counters agree with ``seen`` ({task_id: status}, every task of the service)."""
    active = {task_id for task_id, s in seen.items() if s["status"] in ACTIVE}
    count, held = slots(db)
    by_user = {}
    for task_id in active:
        by_user.setdefault(user_of(task_id), set()).add(task_id)
    assert count == len(active), f"global counter {count}, active tasks {len(active)}"
    assert held == by_user, "users' active sets differ from the active tasks"


def assert_no_slot_held(db):
    assert slots(db) == (0, {})


def ran_twice(data_dir, task_ids):
    """The tasks whose pipeline ran to the end more than once (their ``runs`` logs, see service_pipelines)."""
    return [task_id for task_id in task_ids
            if sum(event == "finished" for event, _ in runs(data_dir, task_id)) > 1]
