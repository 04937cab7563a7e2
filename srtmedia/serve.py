"""``srtmedia serve``: Redis, the API under gunicorn and a pool of RQ workers as one process tree.

Redis is embedded (a redis-server keeping its files in ``<data dir>/redis``)
unless REDIS_URL is set. A lock on ``<data dir>/serve.lock`` keeps a second
``serve`` off the same data directory. SIGINT/SIGTERM stop the API first, then
the workers (each finishes its job, or hands it back after ``grace`` seconds),
then Redis, which saves its data on the way out.
"""
import ctypes
import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

from srtmedia.config import Config
from srtmedia.localredis import LocalRedis, free_port
from srtmedia.settings import effective_environ

LOCK_NAME = "serve.lock"
PR_SET_PDEATHSIG = 1


class AlreadyServing(RuntimeError):
    """Another ``srtmedia serve`` holds the data directory."""


class DataDirLock:
    """An exclusive fcntl lock on a file in the data directory; the kernel drops it if we die."""

    def __init__(self, data_dir):
        self.path = os.path.join(data_dir, LOCK_NAME)
        self.handle = None

    def acquire(self):
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise AlreadyServing(f"{os.path.dirname(self.path)} is already served by another "
                                 f"srtmedia serve (pid {holder}); stop it or use another --data-dir") from None
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        self.handle = handle

    def release(self):
        if self.handle:
            self.handle.close()  # closing drops the lock; the file stays for the next run
            self.handle = None


def _die_with_parent():
    """In a child before exec: its own session (Ctrl-C reaches only us) and SIGTERM if we die."""
    os.setsid()
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def default_workers():
    """Pipeline workers when none are asked for: one per two cores.

    Every stage of a job keeps two cores busy (recognition, voice activity
    detection and forced alignment run on threads or processes), so more
    workers than that only share the same cores and make each job slower.
    """
    return max(1, (os.cpu_count() or 1) // 2)


class Server:
    """The processes of one ``srtmedia serve``; ``run()`` blocks until a signal stops them."""

    def __init__(self, data_dir, host="127.0.0.1", port=8000, workers=None, api_processes=2,
                 grace=60.0, environ=None, out=print):
        self.data_dir = os.path.abspath(data_dir)
        self.host, self.port = host, port
        self.worker_count = workers or default_workers()
        self.api_processes = api_processes
        self.grace = grace
        self.environ = dict(os.environ if environ is None else environ)
        self.out = out
        self.lock = DataDirLock(self.data_dir)
        self.redis = None
        self.api = None
        self.workers = {}
        self.stopping = threading.Event()

    @property
    def base_url(self):
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def threads(self):
        """CPU threads each pipeline job uses: SRTMEDIA_THREADS if set, else the cores shared out."""
        configured = int(effective_environ(self.environ).get("SRTMEDIA_THREADS") or 0)
        return configured or max(1, (os.cpu_count() or 1) // self.worker_count)

    def child_environ(self):
        env = dict(self.environ, SRTMEDIA_DATA_DIR=self.data_dir, SRTMEDIA_THREADS=str(self.threads))
        if self.redis is not None:
            env["REDIS_URL"] = self.redis.url
        return env

    def _spawn(self, args):
        return subprocess.Popen(args, env=self.child_environ(), preexec_fn=_die_with_parent)

    def start(self):
        os.makedirs(self.data_dir, exist_ok=True)
        self.lock.acquire()
        try:
            if not effective_environ(self.environ).get("REDIS_URL"):
                self.redis = LocalRedis(os.path.join(self.data_dir, "redis"), port=free_port(), snapshots=True)
                self.redis.start(preexec_fn=_die_with_parent)
            self.api = self._spawn(
                [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", str(self.api_processes),
                 "--threads", "8", "-b", f"{self.host}:{self.port}", "--graceful-timeout", "20",
                 "srtmedia:create_app()"])
            for n in range(self.worker_count):
                self._start_worker(f"pipeline-{n}", "pipeline")
            self._start_worker("webhooks", "webhooks")
            self._wait_for_api()
        except BaseException:
            self.stop()
            raise
        config = Config.from_env(self.child_environ())
        self.out(f"srtmedia: API        {self.base_url}/  (web page at /)\n"
                 f"srtmedia: dashboard  {self.base_url}/rq  (user {config.admin_user}; "
                 f"{'set SRTMEDIA_ADMIN_PASSWORD to enable' if not config.admin_password else 'password set'})\n"
                 f"srtmedia: metrics    {self.base_url}/metrics\n"
                 f"srtmedia: redis      {self.child_environ()['REDIS_URL'] if self.redis else 'REDIS_URL'}"
                 f"{' (embedded, data in ' + self.redis.folder + ')' if self.redis else ''}\n"
                 f"srtmedia: data       {self.data_dir}\n"
                 f"srtmedia: {self.worker_count} pipeline worker(s) x {self.threads} CPU thread(s) "
                 "+ 1 webhook worker; Ctrl-C stops")
        return self

    def _start_worker(self, name, queues):
        worker_name = f"{os.uname().nodename}-{os.getpid()}-{name}"
        self.workers[name] = (queues, self._spawn(
            [sys.executable, "-m", "srtmedia.cli", "worker", "--name", worker_name, "--queues", queues]))

    def _wait_for_api(self, timeout=60.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=2):
                    return
            except OSError:
                if self.api.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the API server did not start; see its log above") from None
                time.sleep(0.1)

    def run(self):
        """Keep the tree alive until SIGINT/SIGTERM; a dead worker is replaced, a dead API or Redis ends it."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.stopping.set())
        status = 0
        while not self.stopping.wait(0.5):
            if self.api.poll() is not None or (self.redis and self.redis.process.poll() is not None):
                self.out("srtmedia: the API server or Redis exited; shutting down")
                status = 1
                break
            for name, (queues, process) in list(self.workers.items()):
                if process.poll() is not None:
                    self.out(f"srtmedia: worker {name} exited ({process.returncode}); starting another")
                    self._start_worker(name, queues)
        self.stop()
        return status

    def stop(self):
        """API, then workers (warm, then cold after ``grace``: the job is handed back), then Redis."""
        _terminate([self.api] if self.api else [], timeout=25)
        processes = [process for _, process in self.workers.values()]
        _terminate(processes, timeout=self.grace, second_signal=True)
        self.workers.clear()
        if self.redis is not None:
            self.redis.stop()
        self.lock.release()


def _terminate(processes, timeout, second_signal=False):
    """SIGTERM each; after ``timeout`` SIGTERM again (RQ's cold shutdown) if asked, then SIGKILL."""
    alive = [p for p in processes if p.poll() is None]
    for process in alive:
        process.send_signal(signal.SIGTERM)
    alive = _wait_all(alive, timeout)
    if second_signal and alive:
        for process in alive:
            process.send_signal(signal.SIGTERM)
        alive = _wait_all(alive, 15)
    for process in alive:
        process.kill()
        process.wait()


def _wait_all(processes, timeout):
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(max(deadline - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            pass
    return [p for p in processes if p.poll() is None]
