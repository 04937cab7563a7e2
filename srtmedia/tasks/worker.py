"""An RQ worker for the service's queues that also runs the reaper between jobs."""
import argparse
import logging
import os
import time

from redis import Redis
from rq import Worker
from rq.serializers import JSONSerializer

from srtmedia.config import Config
from srtmedia.logs import configure_logging
from srtmedia.tasks.job import REDIS_DOWN
from srtmedia.tasks.queue import JOB_FUNCTION, TaskQueue
from srtmedia.tasks.reaper import reap
from srtmedia.tasks.store import FAILED, PENDING, PROCESSING, TaskStore
from srtmedia.tasks.webhooks import webhook_queue_name

# --queues choices: which of the service's queues a worker takes jobs from.
QUEUE_CHOICES = ("all", "pipeline", "webhooks")

log = logging.getLogger(__name__)


class ServiceWorker(Worker):
    """rq.Worker whose periodic maintenance includes srtmedia's reaper."""

    def __init__(self, *args, service_config, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = TaskStore(self.connection, service_config)
        self.task_queue = TaskQueue(self.connection, service_config)
        self.redis_lost_at = float("-inf")

    @property
    def dequeue_timeout(self):
        """An idle worker wakes at least once a reaper interval (RQ's default is worker_ttl - 15 s)."""
        return max(1, min(super().dequeue_timeout, self.maintenance_interval))

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        self.reap()

    def reap(self):
        """One reaper round (skipped when another process ran one within the interval)."""
        if time.monotonic() - self.redis_lost_at < self.store.config.heartbeat_ttl:
            return  # heartbeats lapsed while we could not reach Redis either; give live horses time to beat
        try:
            outcome = reap(self.store, self.task_queue)
            if outcome:
                log.info("reaper: %s", outcome)
        except Exception:  # a failed cleanup round must not kill the worker
            log.exception("reaper round failed")

    # While a job runs, RQ's monitor loop writes heartbeats and working time; a
    # Redis restart would end this worker there and, with it, a task the horse
    # could finish. The horse rides out the outage (srtmedia.tasks.job), so must we.
    def maintain_heartbeats(self, job, execution):
        try:
            super().maintain_heartbeats(job, execution)
        except REDIS_DOWN as exc:
            log.warning("Redis unreachable while job %s runs (%s); its work horse keeps working", job.id, exc)
            self.redis_lost_at = time.monotonic()
            return
        # A busy worker reaps too: when every worker is busy, nobody else would
        # notice the task of one that died.
        self.reap()

    def handle_work_horse_killed(self, job, retpid, ret_val, rusage):
        """A work horse died outside Python (kill -9, the OOM killer, a native crash): fail its task now.

        Not retried: a horse that died mid-pipeline most likely dies again on the
        same input, after three times the work. A task still pending never ran,
        so it is left to RQ's retry or the reaper's requeue.
        """
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        if job.func_name != JOB_FUNCTION:
            return
        task_id = job.args[0]
        task = self.store.get(task_id)
        if task is None or task["status"] != PROCESSING:
            return
        how = f"was killed by signal {os.WTERMSIG(ret_val)}" if ret_val and os.WIFSIGNALED(ret_val) else \
            f"exited with status {os.waitstatus_to_exitcode(ret_val) if ret_val else ret_val}"
        if self.store.finish(task_id, FAILED, message="Failed", error_code="abandoned",
                             error_message=f"The process running this task {how} while {task['stage']} "
                                           f"({task['progress']}%)."):
            job.retries_left = 0  # read by RQ's handle_job_failure, which runs next

    def request_force_stop(self, signum, frame):
        """Cold shutdown: RQ kills the work horse; its job goes back to the front of its queue."""
        job = self.get_current_job()
        try:
            super().request_force_stop(signum, frame)
        except SystemExit:
            if job is not None:
                self.hand_back(job)
            raise

    def hand_back(self, job):
        job.started_job_registry.remove_executions(job)
        if job.func_name == JOB_FUNCTION:
            task_id = job.args[0]
            # Only a task still running goes back; a cancelled one stays cancelled.
            if not self.store.update(task_id, status=PENDING, message="Queued again: a worker stopped"):
                return
        for queue in self.queues:
            if queue.name == job.origin:
                queue.enqueue_job(job, at_front=True)
                log.info("handed back job %s", job.id, extra={"job_id": job.id})


def queue_names(config, which="all"):
    """The queue names a worker of kind ``which`` (see QUEUE_CHOICES) listens on, in priority order."""
    names = {"pipeline": [config.queue_name], "webhooks": [webhook_queue_name(config)]}
    return names.get(which) or names["pipeline"] + names["webhooks"]


def build_worker(config, name=None, which="all"):
    connection = Redis.from_url(config.redis_url)
    return ServiceWorker(
        queue_names(config, which), connection=connection, name=name, serializer=JSONSerializer,
        worker_ttl=config.worker_ttl, job_monitoring_interval=config.job_monitoring_interval,
        maintenance_interval=config.reaper_interval, service_config=config,
    )


def run(burst=False, name=None, which="all", log_level="INFO"):
    """Work until stopped (or, with ``burst``, until the queues are empty)."""
    config = Config.from_env()
    configure_logging(config.log_format, log_level)
    worker = build_worker(config, name=name, which=which)
    # The scheduler (one per Redis, whichever worker holds its lock) fires retries with intervals.
    worker.work(burst=burst, with_scheduler=True, logging_level=log_level)


def main(argv=None):
    """Command line: python worker.py [--burst] [--name NAME] [--queues all|pipeline|webhooks]."""
    parser = argparse.ArgumentParser(description="srtmedia RQ worker (reads REDIS_URL, SRTMEDIA_DATA_DIR)")
    parser.add_argument("--burst", action="store_true", help="quit when the queue is empty")
    parser.add_argument("--name", help="worker name (default: RQ's)")
    parser.add_argument("--queues", choices=QUEUE_CHOICES, default="all")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    run(args.burst, args.name, args.queues, args.log_level)
