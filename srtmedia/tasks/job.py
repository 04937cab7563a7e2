"""The RQ job: run the pipeline for one task, reporting into the task record."""
import importlib
import logging
import os
import threading
import time

import redis
from rq import get_current_job
from rq.timeouts import JobTimeoutException

from srtmedia.config import Config
from srtmedia.tasks.folders import MEDIA_NAME, SUBTITLES_NAME, task_folder, write_result
from srtmedia.tasks.metrics import Metrics, StageClock
from srtmedia.tasks.store import ACTIVE, CANCELLED, COMPLETED, FAILED, PENDING, PROCESSING, TaskStore

log = logging.getLogger(__name__)

# Where each pipeline stage falls on the 0-100 progress scale.
STAGE_SPANS = {"transcribing": (0, 40), "processing_llm": (40, 55), "aligning": (55, 99)}
# Faults worth another attempt; anything else would fail the same way again.
TRANSIENT = (ConnectionError, TimeoutError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# Redis unreachable: restarting, loading its append-only file, or a network blip.
REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# How long a finished job waits for Redis to come back before giving up its outcome.
REDIS_PATIENCE = 60.0
# Runs of a task whose worker died mid-job: RQ starts such a job again when
# its execution's heartbeat expires first, and the reaper fails the task when
# it notices first; either way the pipeline runs at most this many times more.
MAX_RERUNS = 1


def when_redis_answers(call, patience=REDIS_PATIENCE):
    """``call()``, retried with backoff while Redis is unreachable, for up to ``patience`` seconds."""
    deadline, delay = time.monotonic() + patience, 0.2
    while True:
        try:
            return call()
        except REDIS_DOWN as exc:
            if time.monotonic() >= deadline:
                raise
            log.warning("Redis unreachable (%s); trying again in %.1f s", exc, delay)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def process_task(task_id):
    """RQ entry point (enqueued by name): process ``task_id`` and return its final status."""
    job = get_current_job()
    store = TaskStore(job.connection, Config.from_env())
    return run_task(store, task_id, retries_left=job.retries_left or 0)


def load_pipeline(spec):
    """The callable named by "module:function"."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


class ProgressReporter:
    """The pipeline's progress callback: stage fraction -> task progress, throttled writes."""

    def __init__(self, store, task_id, min_interval=0.25):
        self.store = store
        self.task_id = task_id
        self.min_interval = min_interval
        self._last = (None, None, 0.0)
        self.clock = StageClock(Metrics(store.redis))

    def __call__(self, stage, fraction, message):
        try:
            self.clock.mark(stage)
        except REDIS_DOWN:
            pass  # a lost timing sample, not a lost task
        low, high = STAGE_SPANS.get(stage, (0, 99))
        percent = int(low + (high - low) * min(max(float(fraction), 0.0), 1.0))
        last_stage, last_percent, last_time = self._last
        now = time.monotonic()
        if stage == last_stage and percent == last_percent and now - last_time < self.min_interval:
            return
        try:
            self.store.update(self.task_id, allowed=(PROCESSING,), stage=stage, progress=percent, message=message)
        except REDIS_DOWN:
            return  # progress is advisory: the pipeline goes on, and the next call writes the latest
        self._last = (stage, percent, now)


    def close(self):
        """Record the last stage's time."""
        try:
            self.clock.close()
        except REDIS_DOWN:
            pass


class CancellationCheck:
    """The pipeline's is_cancelled callable: reads the task record, at most every ``min_interval``."""

    def __init__(self, store, task_id, min_interval=0.25):
        self.store = store
        self.task_id = task_id
        self.min_interval = min_interval
        self._checked_at = 0.0
        self._cancelled = False

    def __call__(self):
        now = time.monotonic()
        if not self._cancelled and now - self._checked_at >= self.min_interval:
            self._checked_at = now
            try:
                self._cancelled = self.store.is_cancelled(self.task_id)
            except REDIS_DOWN:
                pass  # unknown until Redis is back: keep working, a cancel is seen then
        return self._cancelled


class Heartbeat(threading.Thread):
    """Refreshes the task's heartbeat key while the job runs, so a reaper can tell it is alive."""

    def __init__(self, store, task_id):
        super().__init__(daemon=True, name=f"heartbeat {task_id}")
        self.store = store
        self.task_id = task_id
        self.stopped = threading.Event()

    def run(self):
        interval = max(self.store.config.heartbeat_ttl / 3, 0.2)
        while not self.stopped.is_set():
            try:
                self.store.beat(self.task_id)
            except redis.exceptions.RedisError:
                log.warning("heartbeat for %s failed", self.task_id)
            self.stopped.wait(interval)

    def stop(self):
        self.stopped.set()


def run_task(store, task_id, retries_left=0):
    """Run the pipeline for an active task and record how it ended; return the final status."""
    from srtmedia.pipeline import Cancelled, Options, PipelineError
    from srtmedia.pipeline.output.summary import summarize

    task = store.get(task_id)
    if task is None or task["status"] not in ACTIVE:
        return task["status"] if task else "missing"
    starting = {"message": "Starting"}
    if task["status"] == PROCESSING:  # an earlier run's worker died without recording an outcome
        where = f"while {task.get('stage', 'processing')} ({task.get('progress', 0)}%)"
        reruns = task.get("reruns", 0)
        if reruns >= MAX_RERUNS:
            when_redis_answers(lambda: store.finish(
                task_id, FAILED, message="Failed", error_code="abandoned",
                error_message=f"The worker processing this task stopped {where}, and again after a rerun."))
            return store.get(task_id)["status"]
        starting = {"reruns": reruns + 1, "message": f"Running again: the worker processing it stopped {where}"}
    if not store.update(task_id, status=PROCESSING, **starting):
        return store.get(task_id)["status"]
    config = store.config
    folder = task_folder(config.data_dir, task_id)
    heartbeat = Heartbeat(store, task_id)
    heartbeat.start()
    reporter = ProgressReporter(store, task_id)
    try:
        options = Options.from_env(**{**config.options, **task.get("options", {})})
        result = load_pipeline(config.pipeline)(
            os.path.join(folder, SUBTITLES_NAME), os.path.join(folder, MEDIA_NAME), options=options,
            progress=reporter, is_cancelled=CancellationCheck(store, task_id))
        reporter.close()
    except Cancelled:
        ending = CANCELLED, {"message": "Cancelled"}
    except PipelineError as exc:
        ending = FAILED, {"message": "Failed", "error_message": str(exc), "error_code": exc.code}
    except JobTimeoutException:
        ending = FAILED, {"message": "Failed", "error_code": "timeout",
                          "error_message": "Processing took longer than the time allowed for this media."}
    except TRANSIENT as exc:
        if retries_left > 0:
            # Pending again, so that the retry is not taken for the rerun of a dead worker's task.
            when_redis_answers(lambda: store.update(task_id, status=PENDING,
                                                    message=f"Retrying after a temporary fault: {exc}"))
            raise
        ending = FAILED, {"message": "Failed", "error_code": "unavailable",
                          "error_message": f"A service the pipeline needs stayed unavailable: {exc}"}
    except Exception as exc:  # a bug or an environment fault: fail visibly, retrying would not help
        log.exception("task %s failed", task_id)
        ending = FAILED, {"message": "Failed", "error_code": "internal",
                          "error_message": f"Internal error while processing ({type(exc).__name__})."}
    else:
        result_file = write_result(config.data_dir, task_id, result)
        ending = COMPLETED, {"message": "Completed", "result_path": os.path.relpath(result_file, config.data_dir),
                             "summary": summarize(result)}
    finally:
        heartbeat.stop()
    # Minutes of work must not be lost to a Redis restart that takes seconds.
    status, fields = ending
    when_redis_answers(lambda: store.finish(task_id, status, **fields))
    return when_redis_answers(lambda: store.get(task_id))["status"]
