"""A whole worker killed with the settings a user gets: its task is noticed and failed within a minute.

tests/test_crash.py runs the same crashes many times with a 2 s heartbeat;
this module keeps every timing setting at its default (config/defaults.env),
so the figure in the README is the one users see.
"""
import os
import time

import psutil
import pytest
from test_crash import assert_failed_in, horse_of
from test_service_integration import Client, final

pytestmark = pytest.mark.integration

SETTINGS = {"SRTMEDIA_PIPELINE": "service_pipelines:scripted"}  # timing settings: all defaults
NOTICED_WITHIN = 60.0


@pytest.fixture
def api(service):
    return Client(service.base_url, "crash")


def test_a_killed_worker_is_noticed_within_a_minute_with_the_default_settings(api, db, service):
    task_id = api.submit("SLEEP 300").json()["task_id"]
    api.wait(task_id, lambda s: s["stage"] == "transcribing" or final(s))
    worker_pid = psutil.Process(horse_of(service, task_id)).ppid()
    name = next(name for name, process in service.workers.items() if process.pid == worker_pid)
    service.kill_worker(name)
    killed_at = time.monotonic()
    assert_failed_in(api, db, task_id, "transcribing", killed_at, within=NOTICED_WITHIN, reason="stopped")
    user, task_uuid = task_id.split(":")
    runs = open(os.path.join(service.folder, "data", "tasks", user, task_uuid, "runs")).read().split()
    assert runs.count("started") == 1, runs
