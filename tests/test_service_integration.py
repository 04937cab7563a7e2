"""The whole service: redis-server, gunicorn and RQ workers in subprocesses, over HTTP."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests
from service_processes import ServiceProcesses
from service_support import srt_bytes, wav_bytes

pytestmark = pytest.mark.integration

SETTINGS = {
    "SRTMEDIA_PIPELINE": "service_pipelines:scripted",
    "SRTMEDIA_HEARTBEAT_TTL": 2, "SRTMEDIA_REAPER_INTERVAL": 1, "SRTMEDIA_JOB_RETRIES": 2,
    "SRTMEDIA_JOB_RETRY_BASE_DELAY": 1, "SRTMEDIA_JOB_MONITORING_INTERVAL": 1, "SRTMEDIA_WORKER_TTL": 5,
    "SRTMEDIA_SYNC_TIMEOUT": 5, "SRTMEDIA_POLL_AFTER": 1,
}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    processes = ServiceProcesses(tmp_path_factory.mktemp("service"), **SETTINGS).start()
    yield processes
    processes.stop()


@pytest.fixture
def api(service):
    return Client(service.base_url)


@pytest.fixture
def db(service):
    return redis.Redis.from_url(service.redis.url)


class Client:
    """A few calls of the API for one user."""

    def __init__(self, base_url, user="alice"):
        self.base_url = base_url
        self.user = user

    def as_user(self, user):
        return Client(self.base_url, user)

    def submit(self, first_text="Hello there.", path="/process/srt_media/", **kwargs):
        files = {"srt_file": ("a.srt", srt_bytes(first_text)), "media_file": ("a.wav", wav_bytes())}
        return requests.post(self.base_url + path, files=files, headers={"X-User-ID": self.user}, **kwargs)

    def get(self, path):
        return requests.get(self.base_url + path, headers={"X-User-ID": self.user}, timeout=10)

    def status(self, task_id):
        return self.get(f"/tasks/{task_id}/status").json()

    def delete(self, task_id):
        return requests.delete(f"{self.base_url}/tasks/{task_id}", headers={"X-User-ID": self.user}, timeout=10)

    def wait(self, task_id, until, timeout=30.0):
        """Poll the status until ``until(status)``; return every status seen."""
        seen = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen.append(self.status(task_id))
            if until(seen[-1]):
                return seen
            time.sleep(0.05)
        raise AssertionError(f"gave up waiting; last status {seen[-1]}")


def final(status):
    return status["status"] in ("completed", "failed", "cancelled")


def active_slots(db, user="alice"):
    return db.scard(f"user:{user}:active_tasks")


def test_submit_poll_and_fetch_the_result(api, db):
    response = api.submit("SLEEP 1")
    assert response.status_code == 202 and response.headers["Retry-After"] == "1"
    task_id = response.json()["task_id"]
    seen = api.wait(task_id, final)
    assert seen[-1]["status"] == "completed" and seen[-1]["progress"] == 100
    progress = [s["progress"] for s in seen]
    assert progress == sorted(progress) and any(0 < p < 100 for p in progress)
    assert {"transcribing", "aligning"} <= {s["stage"] for s in seen}
    assert any("/" in s["message"] for s in seen)
    result = api.get(f"/tasks/{task_id}/result").json()
    assert result["status"] == "completed" and result["result"]["paragraphs"][0]["text"] == "SLEEP 1"
    srt = api.get(f"/tasks/{task_id}/result?format=srt")
    assert srt.headers["Content-Type"].startswith("application/x-subrip") and "-->" in srt.text
    listing = api.get("/users/me/tasks?include_completed=true").json()
    assert task_id in [t["task_id"] for t in listing["completed_tasks"]]
    assert active_slots(db) == 0


def test_cancel_a_running_task(api, db):
    task_id = api.submit("SLEEP 60").json()["task_id"]
    api.wait(task_id, lambda s: s["status"] == "processing" and s["progress"] > 0)
    response = api.delete(task_id)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert active_slots(db) == 0
    assert api.delete(task_id).json()["status"] == "cancelled"
    # The work horse is stopped, not left to run: a worker is free again at once.
    job_key = f"rq:job:{task_id.split(':')[1]}"
    deadline = time.monotonic() + 10
    while db.hget(job_key, "status") != b"stopped" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert db.hget(job_key, "status") == b"stopped"
    frozen = api.status(task_id)
    time.sleep(0.5)
    assert api.status(task_id)["progress"] == frozen["progress"] and frozen["status"] == "cancelled"


def test_cancel_a_queued_task(api, service):
    blockers = [api.as_user(f"blocker{n}").submit("SLEEP 3").json()["task_id"] for n in range(2)]
    for n, task_id in enumerate(blockers):
        api.as_user(f"blocker{n}").wait(task_id, lambda s: s["status"] == "processing")
    task_id = api.submit().json()["task_id"]
    assert api.delete(task_id).json()["status"] == "cancelled"
    for n, blocker in enumerate(blockers):
        api.as_user(f"blocker{n}").wait(blocker, final)
    time.sleep(0.5)
    status = api.status(task_id)
    assert (status["status"], status["stage"], status["progress"]) == ("cancelled", "queued", 0)


def test_one_user_submitting_100_at_once_gets_exactly_5(api, db):
    user = api.as_user("crowd")
    barrier = threading.Barrier(100)

    def one(_):
        barrier.wait()
        return user.submit("SLEEP 30", timeout=60)

    with ThreadPoolExecutor(100) as pool:
        responses = list(pool.map(one, range(100)))
    codes = [r.status_code for r in responses]
    assert codes.count(202) == 5 and codes.count(429) == 95
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.json()["detail"] == "Maximum 5 concurrent tasks per user exceeded"
    assert refused.headers["Retry-After"] and refused.headers["Content-Type"] == "application/problem+json"
    assert active_slots(db, "crowd") == 5
    for response in responses:
        if response.status_code == 202:
            user.delete(response.json()["task_id"])
    assert active_slots(db, "crowd") == 0


def test_failures_end_the_task_and_free_the_slot(api, db):
    bad_media = api.submit("FAIL").json()["task_id"]
    crash = api.submit("CRASH").json()["task_id"]
    assert api.wait(bad_media, final)[-1]["error_message"] == "the media has no audio stream"
    assert "RuntimeError" in api.wait(crash, final)[-1]["error_message"]
    assert active_slots(db) == 0
    assert api.get(f"/tasks/{bad_media}/result").status_code == 409


def test_transient_faults_are_retried(api):
    task_id = api.submit("FLAKY 1").json()["task_id"]
    assert api.wait(task_id, final)[-1]["status"] == "completed"


def test_bad_srt_is_refused_before_202(api, db):
    files = {"srt_file": ("a.srt", b"1\n00:00:01,000 -> 00:00:02,000\nHi\n"), "media_file": ("a.wav", wav_bytes())}
    response = requests.post(api.base_url + "/process/srt_media/", files=files, headers={"X-User-ID": "alice"})
    assert response.status_code == 400 and "line" in response.json()["detail"]
    assert active_slots(db) == 0


def test_sync_answers_the_result_or_504(api, db):
    done = api.submit("Hi.", path="/process/srt_media/sync")
    assert done.status_code == 200 and done.json()["result"]["paragraphs"][0]["text"] == "Hi."
    slow = api.submit("SLEEP 60", path="/process/srt_media/sync")
    assert slow.status_code == 504
    task_id = slow.json()["task_id"]
    assert api.status(task_id)["status"] == "processing"
    api.delete(task_id)
    assert active_slots(db) == 0


def test_a_killed_worker_fails_its_task_and_frees_the_slot(api, db, service):
    service.stop_workers()
    service.start_worker("doomed")
    task_id = api.submit("SLEEP 60").json()["task_id"]
    api.wait(task_id, lambda s: s["status"] == "processing")
    service.kill_worker("doomed")
    service.start_worker("reaper")  # an idle worker runs the reaper
    status = api.wait(task_id, final, timeout=30)[-1]
    assert status["status"] == "failed" and "stopped" in status["error_message"]
    assert active_slots(db) == 0
    service.start_worker("worker-1")


def test_tasks_survive_restarting_everything(api, service):
    service.stop_workers()
    task_id = api.submit().json()["task_id"]
    service.stop_api()
    service.redis.stop()
    service.redis.start()
    service.start_api()
    assert api.status(task_id)["status"] == "pending"
    service.start_worker("worker-0")
    service.start_worker("worker-1")
    assert api.wait(task_id, final)[-1]["status"] == "completed"


@pytest.mark.slow
def test_the_real_pipeline_behind_the_api(speech, tmp_path):
    from conftest import srt_text

    shifted = [(start + 1.5, end + 1.5, text) for start, end, text in speech["truth"]]
    service = ServiceProcesses(tmp_path, SRTMEDIA_POLL_AFTER=1).start(workers=1)
    try:
        files = {"srt_file": ("talk.srt", srt_text(shifted).encode()),
                 "media_file": ("talk.wav", speech["wav"].read_bytes())}
        response = requests.post(service.base_url + "/process/srt_media/", files=files,
                                 data={"text_engine": "builtin"}, headers={"X-User-ID": "alice"})
        assert response.status_code == 202, response.text
        client = Client(service.base_url)
        task_id = response.json()["task_id"]
        seen = client.wait(task_id, final, timeout=300)
        assert seen[-1]["status"] == "completed", seen[-1]
        result = client.get(f"/tasks/{task_id}/result").json()["result"]
        assert len(result["cues"]) == len(speech["truth"])
        for cue, (start, _, _) in zip(result["cues"], speech["truth"]):
            assert abs(cue["start"] - start) < 0.5
        assert "-->" in client.get(f"/tasks/{task_id}/result?format=vtt").text
    finally:
        service.stop()
