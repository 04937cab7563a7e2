"""A soak of small tasks against real processes: ``python -m bench.soak [--tasks 1000]``.

A throwaway redis-server (append-only file), gunicorn and several RQ workers run in a temporary
folder (the test harness, tests/service_processes.py), with the scripted test pipeline
(tests/service_pipelines.py): tasks that finish at once, run a little while, fail on bad media or
crash with a bug. Users submit in parallel (waiting out 429/503), and some tasks are cancelled after
a random delay. Prints throughput, the time to drain, the final states, the slot counters and queue
afterwards, and peak RSS of the API and the workers; exits 1 if a task is not final, ran twice, or
a counter is not back to 0.
"""
import argparse
import os
import random
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import redis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from service_load import FINAL, delete, ran_twice, slots, statuses, submit, wait_final  # noqa: E402
from service_processes import ServiceProcesses, tree_rss  # noqa: E402

SETTINGS = {"SRTMEDIA_PIPELINE": "service_pipelines:scripted", "SRTMEDIA_HEARTBEAT_TTL": 2,
            "SRTMEDIA_REAPER_INTERVAL": 1, "SRTMEDIA_JOB_RETRIES": 0, "SRTMEDIA_JOB_MONITORING_INTERVAL": 1,
            "SRTMEDIA_WORKER_TTL": 5, "SRTMEDIA_LOG_FORMAT": "text"}
# First cue of each task, drawn at random: success, a short run, bad media, a bug in the pipeline.
SCRIPTS = ["Hi.", "Hi.", "Hi.", "SLEEP 0.2", "FAIL", "CRASH"]
MiB = 1024 * 1024


class PeakMemory(threading.Thread):
    """Samples the resident memory of the API (gunicorn and its workers) and of each RQ worker's
    process tree (worker, scheduler, work horse) every ``interval`` seconds; keeps the peaks."""

    def __init__(self, service, interval=0.5):
        super().__init__(daemon=True)
        self.service, self.interval = service, interval
        self.api = self.worker = self.workers = 0
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(self.interval):
            self.api = max(self.api, tree_rss(self.service.api))
            each = [tree_rss(process) for process in list(self.service.workers.values())]
            self.worker = max([self.worker] + each)
            self.workers = max(self.workers, sum(each))


def soak(service, tasks, users, cancel_share, seed):
    """Submit ``tasks`` tasks from ``users`` users; return [(task_id, cancelled answer or None)]."""
    done, lock = [], threading.Lock()
    per_user = [tasks // users + (n < tasks % users) for n in range(users)]

    def session(n):
        rng = random.Random(seed * 1000 + n)
        for _ in range(per_user[n]):
            task_id = submit(service.base_url, f"soak{n}", rng.choice(SCRIPTS), timeout=300)
            answer = None
            if rng.random() < cancel_share:
                time.sleep(rng.uniform(0, 0.3))
                answer = delete(service.base_url, task_id)["status"]
            with lock:
                done.append((task_id, answer))

    with ThreadPoolExecutor(users) as pool:
        list(pool.map(session, range(users)))
    return done


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4, help="RQ workers")
    parser.add_argument("--cancel", type=float, default=0.2, help="share of tasks cancelled after 0-0.3 s")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the folder (logs, AOF, task files)")
    args = parser.parse_args(argv)

    folder = tempfile.mkdtemp(prefix="srtmedia-soak-")
    service = ServiceProcesses(folder, log_files=True, **SETTINGS).start(workers=args.workers)
    memory = PeakMemory(service)
    memory.start()
    try:
        started = time.monotonic()
        submitted = soak(service, args.tasks, args.users, args.cancel, args.seed)
        all_in = time.monotonic()
        task_ids = [task_id for task_id, _ in submitted]
        try:
            final = wait_final(service.base_url, task_ids, timeout=300, interval=1.0)
        except AssertionError as exc:  # not all final in time: report what there is
            print(f"soak: {exc}")
            final = statuses(service.base_url, task_ids)
        drained = time.monotonic()
        memory.stopped.set()
        db = redis.Redis.from_url(service.redis.url)
        count, held = slots(db)
        queue = db.llen("rq:queue:srtmedia") + db.llen("rq:queue:srtmedia:intermediate")
        twice = ran_twice(service.data_dir, final)
        tally = {}
        for seen in final.values():
            tally[seen["status"]] = tally.get(seen["status"], 0) + 1
        cancels = [answer for _, answer in submitted if answer]
    finally:
        memory.stopped.set()
        service.stop()

    elapsed = drained - started
    print(f"soak: {args.tasks} tasks, {args.users} users, {args.workers} workers, "
          f"{args.cancel:.0%} cancelled after 0-0.3 s (seed {args.seed})")
    print(f"  submitted in {all_in - started:.1f} s; all final {drained - all_in:.1f} s after the last submit; "
          f"{elapsed:.1f} s in all = {len(final) / elapsed:.1f} tasks/s")
    print(f"  final states: {dict(sorted(tally.items()))}; DELETE answered "
          f"{cancels.count('cancelled')} cancelled, {len(cancels) - cancels.count('cancelled')} already finished")
    print(f"  after: global counter {count}, users holding a slot {len(held)}, jobs left in the queue {queue}, "
          f"tasks run to completion twice {len(twice)}")
    print(f"  peak RSS: API (gunicorn master and 2 workers) {memory.api / MiB:.0f} MiB; one worker with scheduler and "
          f"horse {memory.worker / MiB:.0f} MiB; all workers {memory.workers / MiB:.0f} MiB")
    if args.keep:
        print(f"  folder kept: {folder}")
    else:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    ok = len(final) == args.tasks and all(status in FINAL for status in tally) and count == 0 and not held \
        and queue == 0 and not twice
    print("  OK" if ok else "  FAILED: a task is not final, ran twice, or a counter is not 0")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
