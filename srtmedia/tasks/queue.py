"""The RQ side of a task: enqueue with a sized timeout and retry policy, cancel, stop."""
import math

from rq import Queue, Retry
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from srtmedia.tasks.ids import job_id_for

JOB_FUNCTION = "srtmedia.tasks.job.process_task"
_WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def job_timeout(config, estimated_duration):
    """Seconds a job may run: a fixed base plus a multiple of the media's (capped) duration."""
    media_seconds = min(estimated_duration, config.max_media_duration)
    return int(config.job_timeout_base + math.ceil(config.job_timeout_per_media_second * media_seconds))


def retry_policy(config):
    """Exponential backoff; the job itself re-raises only transient faults, so only those retry."""
    if config.job_retries <= 0:
        return None
    delays = [config.job_retry_base_delay * 2 ** attempt for attempt in range(config.job_retries)]
    return Retry(max=config.job_retries, interval=delays)


class TaskQueue:
    """The service's RQ queue, with JSON-serialized jobs (never pickle)."""

    def __init__(self, redis, config):
        self.redis = redis
        self.config = config
        self.queue = Queue(config.queue_name, connection=redis, serializer=JSONSerializer)

    def enqueue(self, task_id, estimated_duration):
        """Queue the task's job; return its RQ job id."""
        job = self.queue.enqueue(
            JOB_FUNCTION, task_id,
            job_id=job_id_for(task_id),
            job_timeout=job_timeout(self.config, estimated_duration),
            retry=retry_policy(self.config),
            result_ttl=self.config.result_ttl,
            failure_ttl=self.config.result_ttl,
            description=f"srtmedia task {task_id}",
        )
        return job.id

    def fetch(self, job_id):
        try:
            return Job.fetch(job_id, connection=self.redis, serializer=JSONSerializer)
        except NoSuchJobError:
            return None

    def is_waiting(self, job_id):
        """True while the job id is in the queue's list, i.e. no worker has taken it yet."""
        return self.redis.lpos(self.queue.key, job_id) is not None

    def discard(self, job_id):
        """Forget a job that will never run: its hash, registries and any dequeue leftovers."""
        job = self.fetch(job_id)
        if job is not None:
            job.delete(remove_from_queue=True)
        # A worker that died between taking a job and starting it leaves it in RQ's intermediate list.
        self.redis.lrem(self.queue.intermediate_queue_key, 0, job_id)

    def stop(self, job_id):
        """Keep a waiting job from starting, or stop a running one. Harmless if it already ended."""
        job = self.fetch(job_id)
        if job is None:
            return
        status = job.get_status(refresh=True)
        if status in _WAITING:
            job.cancel()
        elif status == JobStatus.STARTED:
            try:
                send_stop_job_command(self.redis, job_id, serializer=JSONSerializer)
            except (InvalidJobOperation, NoSuchJobError):
                pass  # it ended between the two reads
