"""`srtmedia serve` for real: embedded Redis, gunicorn and workers in subprocesses, over HTTP."""
import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from service_support import srt_bytes, wav_bytes

from srtmedia.localredis import free_port

pytestmark = pytest.mark.integration
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = "whsec_" + base64.b64encode(b"a test secret of 24 bytes").decode()


class Receiver(HTTPServer):
    """A webhook receiver on 127.0.0.1 that keeps what it is sent."""

    def __init__(self):
        self.deliveries = []
        self.arrived = threading.Event()
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.deliveries.append((self.headers, body))  # case-insensitive lookups
        self.send_response(204)
        self.end_headers()
        self.server.arrived.set()

    def log_message(self, *args):
        pass


class Serve:
    """One `srtmedia serve` process on free ports."""

    def __init__(self, data_dir, env):
        self.data_dir, self.env = str(data_dir), env
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        return [sys.executable, "-m", "srtmedia.cli", "serve", "--port", str(self.port),
                "--data-dir", self.data_dir, "--workers", "1", "--grace", "3"]

    def start(self):
        self.process = subprocess.Popen(self.command(), env=self.env, cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            assert self.process.poll() is None and time.monotonic() < deadline, "serve did not get ready"
            time.sleep(0.2)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            return self.process.wait(60)


@pytest.fixture(scope="module")
def receiver():
    server = Receiver()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def env(receiver):
    environ = dict(os.environ)
    environ.pop("REDIS_URL", None)
    environ.update({
        "PYTHONPATH": os.pathsep.join([os.path.join(ROOT, "tests"), ROOT]),
        "SRTMEDIA_PIPELINE": "service_pipelines:scripted", "SRTMEDIA_JOB_RETRIES": "0",
        "SRTMEDIA_ADMIN_PASSWORD": "s3cret", "SRTMEDIA_METRICS_TOKEN": "scrape-me",
        "SRTMEDIA_WEBHOOK_SECRET": SECRET, "SRTMEDIA_MIN_FREE_DISK": "1",
        "SRTMEDIA_WEBHOOK_ALLOWED_HOSTS": f"example.com, 127.0.0.1:{receiver.server_port}",
        "SRTMEDIA_LOG_FORMAT": "text",
    })
    return environ


@pytest.fixture(scope="module")
def serve(tmp_path_factory, env):
    server = Serve(tmp_path_factory.mktemp("serve") / "data", env).start()
    yield server
    server.stop()


def submit(base_url, first_text="Hello there.", media=None, srt=None, **data):
    files = {"srt_file": ("a.srt", srt or srt_bytes(first_text)), "media_file": ("a.wav", media or wav_bytes())}
    return requests.post(base_url + "/process/srt_media/", files=files, data=data,
                         headers={"X-User-ID": "alice"}, timeout=30)


def wait_final(base_url, task_id, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = requests.get(f"{base_url}/tasks/{task_id}/status", headers={"X-User-ID": "alice"}, timeout=10).json()
        if status["status"] in ("completed", "failed", "cancelled"):
            return status
        time.sleep(0.1)
    raise AssertionError(f"task {task_id} did not finish: {status}")


def test_a_task_survives_a_restart_and_a_second_serve_is_refused(serve, env):
    answer = submit(serve.url)
    assert answer.status_code == 202
    task_id = answer.json()["task_id"]
    assert wait_final(serve.url, task_id)["status"] == "completed"

    second = subprocess.run(Serve(serve.data_dir, env).command(), env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert "already served by another srtmedia serve" in second.stderr
    assert requests.get(serve.url + "/healthz", timeout=5).status_code == 200  # the first one is untouched

    assert serve.stop() == 0
    serve.start()
    again = requests.get(f"{serve.url}/tasks/{task_id}/result?format=txt", headers={"X-User-ID": "alice"}, timeout=10)
    assert again.status_code == 200 and "Hello there." in again.text


def test_dashboard_only_with_the_admin_credential(serve):
    assert requests.get(serve.url + "/rq/", timeout=10).status_code == 401
    assert requests.get(serve.url + "/rq/", auth=("admin", "wrong"), timeout=10).status_code == 401
    page = requests.get(serve.url + "/rq/", auth=("admin", "s3cret"), timeout=10)
    assert page.status_code == 200 and "RQ" in page.text
    queues = requests.get(serve.url + "/rq/0/data/queues.json", auth=("admin", "s3cret"), timeout=10).json()
    assert "srtmedia" in {q["name"] for q in queues["queues"]}


def test_metrics_parse_and_need_a_credential(serve):
    assert requests.get(serve.url + "/metrics", timeout=10).status_code == 401
    assert submit(serve.url, media=b"not media at all").status_code == 400
    text = requests.get(serve.url + "/metrics", headers={"Authorization": "Bearer scrape-me"}, timeout=10).text
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    assert samples[("srtmedia_rejections_total", (("reason", "invalid"),))] >= 1
    assert samples[("srtmedia_tasks_finished_total", (("status", "completed"),))] >= 1
    assert samples[("srtmedia_upload_bytes_total", ())] > 0
    assert samples[("srtmedia_stage_duration_seconds_count", (("stage", "aligning"),))] >= 1
    assert samples[("srtmedia_workers", ())] >= 2
    assert ("srtmedia_queue_depth", (("queue", "srtmedia"), ("state", "queued"))) in samples
    admin = requests.get(serve.url + "/metrics", auth=("admin", "s3cret"), timeout=10)
    assert admin.status_code == 200


def test_request_id_is_echoed_or_made(serve):
    given = requests.get(serve.url + "/healthz", headers={"X-Request-ID": "abc-123"}, timeout=10)
    assert given.headers["X-Request-ID"] == "abc-123"
    bad = requests.get(serve.url + "/healthz", headers={"X-Request-ID": "no spaces <allowed>"}, timeout=10)
    assert bad.headers["X-Request-ID"] not in ("", "no spaces <allowed>")


def test_webhook_delivery_is_signed(serve, receiver):
    target = f"http://127.0.0.1:{receiver.server_port}/hook"
    task_id = submit(serve.url, webhook_url=target).json()["task_id"]
    assert wait_final(serve.url, task_id)["status"] == "completed"
    assert receiver.arrived.wait(30)
    headers, body = receiver.deliveries[-1]
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == expected
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    assert json.loads(body)["task_id"] == task_id and json.loads(body)["status"] == "completed"
    deadline = time.monotonic() + 10
    while True:
        state = wait_final(serve.url, task_id).get("webhook", {})
        if state.get("delivered") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert state == {"url": target, "attempts": 1, "last_status": 204, "delivered": True}


def test_webhook_target_outside_the_allow_list_is_refused(serve):
    answer = submit(serve.url, webhook_url="http://169.254.169.254/latest/meta-data")
    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert "webhook_url refused" in answer.json()["detail"]


@pytest.mark.slow
def test_real_pipeline_through_serve(tmp_path, env, speech):
    from conftest import srt_text

    real = {k: v for k, v in env.items() if k != "SRTMEDIA_PIPELINE"}
    server = Serve(tmp_path / "data", real).start()
    try:
        srt = srt_text([(s + 0.8, e + 0.8, text) for s, e, text in speech["truth"]]).encode()
        answer = submit(server.url, srt=srt, media=speech["wav"].read_bytes(), text_engine="builtin")
        assert answer.status_code == 202
        task_id = answer.json()["task_id"]
        assert wait_final(server.url, task_id, timeout=150)["status"] == "completed"
        result = requests.get(f"{server.url}/tasks/{task_id}/result", headers={"X-User-ID": "alice"}, timeout=10)
        first = result.json()["result"]["cues"][0]
        assert abs(first["start"] - speech["truth"][0][0]) < 0.5  # the 0.8 s shift was corrected
    finally:
        assert server.stop() == 0
