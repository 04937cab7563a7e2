"""HTTP service figures, side by side under one gunicorn: ``python -m bench.api``.

* status-endpoint throughput and p99 against a bare Flask route returning a
  constant JSON, served by the same app and server (goal: >= 80 % of it);
* time to the 202 for a 100 MB upload;
* peak RSS of the server while it receives a 1 GiB upload (goal: < 150 MB).

A throwaway redis-server and gunicorn run in a temporary folder; no worker
runs, so submitted tasks stay pending and are cancelled after measuring.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time

import psutil
import requests

from srtmedia.localredis import LocalRedis, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
USER = "bench"
MiB = 1024 * 1024
CONSTANT = {"task_id": "bench:constant", "status": "processing", "stage": "aligning", "progress": 60}


def bench_app():
    """The service app plus the baseline route, so both run in the same process and server."""
    from srtmedia import create_app

    app = create_app()
    app.add_url_rule("/bench/constant", "bench_constant", lambda: CONSTANT)
    return app


def seed_task(redis_url):
    """A processing task of USER in Redis, as a worker would leave it mid-run."""
    import redis

    from srtmedia.config import Config
    from srtmedia.tasks.ids import new_task_id
    from srtmedia.tasks.store import TaskStore

    store = TaskStore(redis.Redis.from_url(redis_url), Config.from_env(redis_url=redis_url))
    task_id = new_task_id(USER)
    store.admit(store.new_record(task_id))
    store.update(task_id, status="processing", stage="aligning", progress=60, message="Aligning paragraph 13/20")
    return task_id


def _hammer(port, path, seconds, threads, queue):
    """One client process: ``threads`` keep-alive connections requesting ``path`` for ``seconds``."""
    latencies, lock = [], threading.Lock()
    deadline = time.perf_counter() + seconds

    def loop():
        conn = http.client.HTTPConnection("127.0.0.1", port)
        mine = []
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            conn.request("GET", path, headers={"X-User-ID": USER})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put(latencies)


def _latencies(port, path, seconds, processes, threads):
    queue = multiprocessing.Queue()
    clients = [multiprocessing.Process(target=_hammer, args=(port, path, seconds, threads, queue))
               for _ in range(processes)]
    for client in clients:
        client.start()
    latencies = sum((queue.get() for _ in clients), [])
    for client in clients:
        client.join()
    return latencies


def side_by_side(port, paths, seconds, rounds=2, processes=2, threads=4):
    """{path: (requests per second, p50 ms, p99 ms)}, the paths taking turns in short runs.

    Turns keep a shared machine's changing background load from favouring one route.
    """
    samples = {path: [] for path in paths}
    for _ in range(rounds):
        for path in paths:
            samples[path] += _latencies(port, path, seconds / rounds, processes, threads)
    figures = {}
    for path, latencies in samples.items():
        latencies.sort()
        figures[path] = (len(latencies) / seconds, latencies[len(latencies) // 2] * 1000,
                         latencies[int(len(latencies) * 0.99)] * 1000)
    return figures


class MultipartUpload:
    """A multipart body with an SRT and ``media_bytes`` of WAV-looking media, generated while read."""

    def __init__(self, media_bytes):
        self.boundary = "benchboundary7d1f"
        srt = b"1\n00:00:01,000 --> 00:00:02,000\nHello there.\n"
        self.head = (f"--{self.boundary}\r\nContent-Disposition: form-data; name=\"srt_file\"; "
                     f"filename=\"a.srt\"\r\n\r\n").encode() + srt + (
            f"\r\n--{self.boundary}\r\nContent-Disposition: form-data; name=\"media_file\"; "
            f"filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n").encode() + b"RIFF\x00\x00\x00\x00WAVE"
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.filler = media_bytes - 12
        self.chunk = os.urandom(MiB)
        self.length = len(self.head) + self.filler + len(self.tail)

    @property
    def content_type(self):
        return f"multipart/form-data; boundary={self.boundary}"

    def __iter__(self):
        yield self.head
        left = self.filler
        while left > 0:
            piece = self.chunk[:min(left, MiB)]
            left -= len(piece)
            yield piece
        yield self.tail


def upload(port, media_bytes):
    """(seconds to the answer, status, task id) for a streamed upload of ``media_bytes``."""
    body = MultipartUpload(media_bytes)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.perf_counter()
    conn.putrequest("POST", "/process/srt_media/")
    for name, value in (("X-User-ID", USER), ("Content-Type", body.content_type),
                        ("Content-Length", str(body.length))):
        conn.putheader(name, value)
    conn.endheaders()
    for piece in body:
        conn.send(piece)
    response = conn.getresponse()
    answer = json.loads(response.read() or b"{}")
    return time.perf_counter() - start, response.status, answer.get("task_id")


def peak_rss_during(server_pid, action):
    """(action's return value, peak RSS in bytes of the busiest server process while it ran)."""
    peak, done = [0], threading.Event()

    def sample():
        while not done.is_set():
            try:
                family = [psutil.Process(server_pid)] + psutil.Process(server_pid).children(recursive=True)
                peak[0] = max([peak[0]] + [p.memory_info().rss for p in family])
            except psutil.NoSuchProcess:
                pass
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        return action(), peak[0]
    finally:
        done.set()
        sampler.join()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per route, in 1 s turns")
    parser.add_argument("--big", type=int, default=1024, help="MiB of the large upload")
    parser.add_argument("--medium", type=int, default=100, help="MiB of the 202-latency upload")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args(argv)

    folder = tempfile.mkdtemp(prefix="srtmedia-bench-")
    redis_server = LocalRedis(os.path.join(folder, "redis")).start()
    port = free_port()
    env = dict(os.environ, REDIS_URL=redis_server.url, SRTMEDIA_DATA_DIR=os.path.join(folder, "data"),
               MAX_CONCURRENT_TASKS_PER_USER="50", MAX_GLOBAL_CONCURRENT_TASKS="50")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-k", "gthread",
                               "--threads", "4", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                               "bench.api:bench_app()"], cwd=ROOT, env=env)
    try:
        _wait_until_up(port)
        task_id = seed_task(redis_server.url)
        paths = ("/bench/constant", f"/tasks/{task_id}/status")
        side_by_side(port, paths, 2.0)  # warm-up
        figures = side_by_side(port, paths, args.seconds, rounds=max(int(args.seconds), 1))
        base, status = figures[paths[0]], figures[paths[1]]
        print(f"gunicorn gthread, {args.workers} workers x 4 threads; load: 2 processes x 4 keep-alive clients")
        print(f"{'route':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
        for name, (rps, p50, p99) in (("bare Flask constant JSON", base), ("GET /tasks/<id>/status", status)):
            print(f"{name:<28}{rps:>10.0f}{p50:>10.2f}{p99:>10.2f}")
        print(f"status throughput = {100 * status[0] / base[0]:.0f}% of the bare route (goal >= 80%)")

        times = []
        for _ in range(3):
            seconds, code, created = upload(port, args.medium * MiB)
            assert code == 202, code
            times.append(seconds)
            requests.delete(f"http://127.0.0.1:{port}/tasks/{created}", headers={"X-User-ID": USER})
        print(f"202 for a {args.medium} MB upload: best {min(times):.2f} s, median {sorted(times)[1]:.2f} s "
              f"({args.medium / min(times):.0f} MB/s)")

        (seconds, code, created), peak = peak_rss_during(server.pid, lambda: upload(port, args.big * MiB))
        assert code == 202, code
        requests.delete(f"http://127.0.0.1:{port}/tasks/{created}", headers={"X-User-ID": USER})
        print(f"{args.big} MiB upload: 202 after {seconds:.1f} s; server peak RSS {peak / MiB:.0f} MB "
              f"(goal < 150 MB)")
    finally:
        server.terminate()
        server.wait()
        redis_server.stop()
        subprocess.run(["rm", "-rf", folder], check=False)


def _wait_until_up(port, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/bench/constant", timeout=5)
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


if __name__ == "__main__":
    main()
