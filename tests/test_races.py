"""Races against a real service: the global limit under a crowd, cancel against completion, a short soak."""
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from service_load import assert_no_slot_held
from test_service_integration import Client, final

pytestmark = pytest.mark.integration

SETTINGS = {"SRTMEDIA_PIPELINE": "service_pipelines:scripted", "SRTMEDIA_HEARTBEAT_TTL": 2,
            "SRTMEDIA_REAPER_INTERVAL": 1, "SRTMEDIA_JOB_RETRIES": 0, "SRTMEDIA_JOB_MONITORING_INTERVAL": 1,
            "SRTMEDIA_WORKER_TTL": 5}
GLOBAL_LIMIT = 20  # MAX_GLOBAL_CONCURRENT_TASKS's default


def test_40_users_submitting_twice_at_once_get_exactly_20(service, db):
    users = [Client(service.base_url, f"crowd{n}") for n in range(40)]
    barrier = threading.Barrier(80)

    def one(user):
        barrier.wait()
        return user, user.submit("SLEEP 30", timeout=60)

    with ThreadPoolExecutor(80) as pool:
        answers = list(pool.map(one, users * 2))
    codes = [response.status_code for _, response in answers]
    assert codes.count(202) == GLOBAL_LIMIT and codes.count(503) == 80 - GLOBAL_LIMIT, codes
    assert int(db.get("global:active_tasks_count")) == GLOBAL_LIMIT
    assert sum(db.scard(f"user:{user.user}:active_tasks") for user in users) == GLOBAL_LIMIT
    for user, response in answers:
        if response.status_code == 202:
            assert user.delete(response.json()["task_id"]).json()["status"] == "cancelled"
    assert_no_slot_held(db)


def test_cancel_racing_completion_ends_in_one_consistent_state(service, db):
    api = Client(service.base_url, "racer")
    started = time.monotonic()
    api.wait(api.submit("SLEEP 0.3").json()["task_id"], final)
    run_time = time.monotonic() - started  # on this machine, now: the cancels below land around it
    outcomes = []
    for attempt in range(20):
        task_id = api.submit("SLEEP 0.3").json()["task_id"]
        time.sleep(random.Random(attempt).uniform(0.0, 2 * run_time))  # before, during and after the run
        answer = api.delete(task_id).json()["status"]
        status = api.wait(task_id, final)[-1]
        time.sleep(0.2)
        later = api.status(task_id)
        assert later["status"] == status["status"] == answer, (answer, status, later)
        result = api.get(f"/tasks/{task_id}/result")
        if answer == "cancelled":
            assert later["progress"] < 100 and result.status_code == 409
        else:  # completed first: the DELETE then removed the files
            assert later["progress"] == 100 and result.status_code == 410
        outcomes.append(answer)
    assert_no_slot_held(db)
    # Both sides of the race happen, or the test did not test it.
    assert {"cancelled", "completed"} <= set(outcomes), outcomes


def test_soak_every_task_ends_and_every_counter_returns_to_zero(service, db):
    scripts = ["Hi.", "Hi.", "SLEEP 0.3", "FAIL", "CRASH"]
    task_ids, lock = [], threading.Lock()

    def user_session(n):
        api, rng = Client(service.base_url, f"soak{n}"), random.Random(n)
        for _ in range(10):
            while True:
                response = api.submit(rng.choice(scripts), timeout=30)
                if response.status_code == 202:
                    break
                assert response.status_code in (429, 503), response.text
                time.sleep(0.2)
            task_id = response.json()["task_id"]
            with lock:
                task_ids.append((api, task_id))
            if rng.random() < 0.3:
                time.sleep(rng.uniform(0, 0.3))
                api.delete(task_id)

    with ThreadPoolExecutor(10) as pool:
        list(pool.map(user_session, range(10)))
    assert len(task_ids) == 100
    statuses = [api.wait(task_id, final, timeout=60)[-1]["status"] for api, task_id in task_ids]
    assert set(statuses) <= {"completed", "failed", "cancelled"} and "failed" in statuses
    assert_no_slot_held(db)
    assert db.llen("rq:queue:srtmedia") == 0
