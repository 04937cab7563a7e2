"""A whole service in subprocesses for the integration tests: redis-server, gunicorn, RQ workers."""
import contextlib
import os
import signal
import subprocess
import sys
import time

import psutil
import redis
import requests

from srtmedia.localredis import LocalRedis, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "tests")


class ServiceProcesses:
    """Starts and stops the parts of a service sharing one data folder and one Redis."""

    def __init__(self, folder, appendfsync=None, log_files=False, **settings):
        """``appendfsync``: "always" to fsync the append-only file on every write, so even a
        ``kill -9`` of redis-server loses nothing acknowledged (LocalRedis's default: everysec).
        ``log_files``: send the API's and workers' output to ``<folder>/logs/<name>.log`` instead
        of this process's stderr."""
        self.folder = str(folder)
        self.redis = LocalRedis(os.path.join(self.folder, "redis"))
        self.appendfsync = appendfsync
        self.log_files = log_files
        self.api_port = free_port()
        self.api = None
        self.workers = {}
        self.settings = settings

    @property
    def data_dir(self):
        return os.path.join(self.folder, "data")

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.api_port}"

    def environment(self):
        env = dict(os.environ)
        env.update({"REDIS_URL": self.redis.url, "SRTMEDIA_DATA_DIR": self.data_dir,
                    "PYTHONPATH": os.pathsep.join([TESTS, ROOT, env.get("PYTHONPATH", "")])})
        env.update({name: str(value) for name, value in self.settings.items()})
        return env

    def start_redis(self):
        self.redis.start()
        if self.appendfsync:
            redis.Redis.from_url(self.redis.url).config_set("appendfsync", self.appendfsync)

    def kill_redis(self):
        """SIGKILL redis-server: no shutdown, no final write of the append-only file."""
        self.redis.process.kill()
        self.redis.process.wait()
        self.redis.process = None

    def restart_redis(self, kill=False, down_for=0.0):
        """Stop redis-server (SHUTDOWN, or ``kill -9``), wait ``down_for`` seconds, start it on the
        same port and folder."""
        if kill:
            self.kill_redis()
        else:
            self.redis.stop()
        time.sleep(down_for)
        self.start_redis()

    def start_api(self, workers=2, threads=32, tries=3):
        """Start gunicorn; should its port be taken meanwhile, on another port (up to ``tries`` times)."""
        for _ in range(tries):
            if self._start_api(workers, threads):
                return
            self.api_port = free_port()
        raise RuntimeError("the API did not start")

    def _answers(self):
        try:
            requests.get(self.base_url + "/users/me/tasks", timeout=5)
            return True
        except requests.RequestException:
            return False

    def _start_api(self, workers, threads):
        """True once the API answers; False if gunicorn exited first or took more than 20 s."""
        self.api = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", str(threads),
             "-b", f"127.0.0.1:{self.api_port}", "--log-level", "warning", "srtmedia:create_app()"],
            env=self.environment(), cwd=ROOT, **self._output("api"))
        deadline = time.monotonic() + 20
        while not self._answers():
            if time.monotonic() > deadline or self.api.poll() is not None:
                _end(self.api, signal.SIGTERM)
                return False
            time.sleep(0.1)
        return True

    def stop_api(self):
        _end(self.api, signal.SIGTERM)
        self.api = None

    def start_worker(self, name):
        self.workers[name] = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "worker.py"), "--name", name, "--log-level", "WARNING"],
            env=self.environment(), cwd=ROOT, start_new_session=True, **self._output(name))

    def _output(self, name):
        if not self.log_files:
            return {}
        os.makedirs(os.path.join(self.folder, "logs"), exist_ok=True)
        log = open(os.path.join(self.folder, "logs", f"{name}.log"), "ab")
        return {"stdout": log, "stderr": subprocess.STDOUT}

    def revive_workers(self):
        """Start again any worker that exited, as ``srtmedia serve`` or a container's restart policy
        would (an RQ worker quits when it loses Redis while running a job); return their names.

        The new worker gets a new name: the old one's registration may outlive it by WORKER_TTL.
        """
        exited = [name for name, process in self.workers.items() if process.poll() is not None]
        for name in exited:
            del self.workers[name]
            self.start_worker(f"{name.partition('~')[0]}~{time.monotonic_ns()}")
        return exited

    def _worker_family(self):
        """Every worker process with its scheduler and work horse (the horse runs in its own session)."""
        family = []
        for process in self.workers.values():
            try:
                root = psutil.Process(process.pid)
                family += [root] + root.children(recursive=True)
            except psutil.Error:
                pass
        return family

    def freeze_workers(self):
        """SIGSTOP every worker, scheduler and work horse: nothing writes to Redis until ``thaw_workers``."""
        for member in self._worker_family():
            with contextlib.suppress(psutil.Error):
                member.suspend()

    def thaw_workers(self):
        for member in self._worker_family():
            with contextlib.suppress(psutil.Error):
                member.resume()

    def kill_worker(self, name):
        """SIGKILL the worker and its work horse at once, as a crashed machine would.

        The horse runs in a session of its own, so it is found among the children.
        """
        process = self.workers.pop(name)
        family = [process.pid] + [child.pid for child in psutil.Process(process.pid).children(recursive=True)]
        for pid in family:
            os.kill(pid, signal.SIGKILL)
        process.wait()

    def stop_worker(self, name, cold=False):
        """SIGTERM: RQ's warm shutdown, the running job finishes first. ``cold``: a second SIGTERM after
        RQ's one-second guard, so the work horse is killed and its job handed back to the queue."""
        process = self.workers.pop(name)
        if cold:
            os.killpg(process.pid, signal.SIGTERM)
            time.sleep(1.5)
        _end(process, signal.SIGTERM, group=True)

    def stop_workers(self):
        for name in list(self.workers):
            _end(self.workers.pop(name), signal.SIGTERM, group=True)

    def start(self, workers=2):
        self.start_redis()
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


def tree_rss(process):
    """Resident memory in bytes of ``process`` (a Popen) and all its descendants; 0 once it is gone."""
    try:
        root = psutil.Process(process.pid)
        total = 0
        for member in [root] + root.children(recursive=True):
            try:
                total += member.memory_info().rss
            except psutil.Error:
                pass
        return total
    except psutil.Error:
        return 0


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
