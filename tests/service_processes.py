"""A whole service in subprocesses for the integration tests: redis-server, gunicorn, RQ workers."""
import os
import signal
import subprocess
import sys
import time

import psutil
import requests

from srtmedia.localredis import LocalRedis, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests")


class ServiceProcesses:
    """Starts and stops the parts of a service sharing one data folder and one Redis."""

    def __init__(self, folder, **settings):
        self.folder = str(folder)
        self.redis = LocalRedis(os.path.join(self.folder, "redis"))
        self.api_port = free_port()
        self.api = None
        self.workers = {}
        self.settings = settings

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.api_port}"

    def environment(self):
        env = dict(os.environ)
        env.update({"REDIS_URL": self.redis.url, "SRTMEDIA_DATA_DIR": os.path.join(self.folder, "data"),
                    "PYTHONPATH": os.pathsep.join([TESTS, ROOT, env.get("PYTHONPATH", "")])})
        env.update({name: str(value) for name, value in self.settings.items()})
        return env

    def start_api(self, workers=2, threads=32):
        self.api = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", str(threads),
             "-b", f"127.0.0.1:{self.api_port}", "--log-level", "warning", "srtmedia:create_app()"],
            env=self.environment(), cwd=ROOT)
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(self.base_url + "/users/me/tasks", timeout=5)
                return
            except requests.RequestException:
                if time.monotonic() > deadline or self.api.poll() is not None:
                    raise RuntimeError("the API did not start")
                time.sleep(0.1)

    def stop_api(self):
        _end(self.api, signal.SIGTERM)
        self.api = None

    def start_worker(self, name):
        self.workers[name] = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "worker.py"), "--name", name, "--log-level", "WARNING"],
            env=self.environment(), cwd=ROOT, start_new_session=True)

    def kill_worker(self, name):
        """SIGKILL the worker and its work horse at once, as a crashed machine would.

        The horse runs in a session of its own, so it is found among the children.
        """
        process = self.workers.pop(name)
        family = [process.pid] + [child.pid for child in psutil.Process(process.pid).children(recursive=True)]
        for pid in family:
            os.kill(pid, signal.SIGKILL)
        process.wait()

    def stop_workers(self):
        for name in list(self.workers):
            _end(self.workers.pop(name), signal.SIGTERM, group=True)

    def start(self, workers=2):
        self.redis.start()
        try:
            self.start_api()
            for n in range(workers):
                self.start_worker(f"worker-{n}")
        except BaseException:
            self.stop()  # a fixture that fails to start gets no teardown: leave no redis-server behind
            raise
        return self

    def stop(self):
        self.stop_workers()
        self.stop_api()
        self.redis.stop()


def _end(process, sig, group=False):
    if process is None or process.poll() is not None:
        return
    if group:
        os.killpg(process.pid, sig)
    else:
        process.send_signal(sig)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
