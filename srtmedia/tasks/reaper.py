"""Periodic cleanup: fail abandoned tasks (freeing their slots) and delete expired files.

A task whose job is gone, was taken off the queue by a worker that died,
ended without recording an outcome, or whose worker stopped beating is either
queued again (still pending: the pipeline never ran) or failed, naming the
stage it stopped in; either way a failed task's slot is given back. Final
states are never touched because every transition is a compare-and-set from
an active status.
"""
import logging
import os
import time
from datetime import datetime

import redis
from rq.job import JobStatus

from srtmedia.tasks.folders import remove_task_files, stored_task_ids
from srtmedia.tasks.ids import task_key
from srtmedia.tasks.store import FAILED, FINAL, PENDING

log = logging.getLogger(__name__)
LOCK_KEY = "srtmedia:reaper:lock"
UNQUEUED_KEY = "srtmedia:reaper:unqueued:{}"  # when a "queued" job was first seen out of its queue
MAX_RECOVERIES = 3
_WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def _age(iso_timestamp):
    return time.time() - datetime.fromisoformat(iso_timestamp.replace("Z", "+00:00")).timestamp()


def abandonment_reason(store, task_queue, task):
    """Why an active task can no longer finish, or None while it still can."""
    config = store.config
    job_id = task.get("job_id")
    if not job_id:
        return "The upload did not complete." if _age(task["created_at"]) > config.upload_grace else None
    job = task_queue.fetch(job_id)
    if job is None:
        return "The task's job was lost."
    status = job.get_status(refresh=False)
    if status == JobStatus.QUEUED and not task_queue.is_waiting(job_id):
        return "A worker took the task's job and stopped before starting it." if _unqueued_for_long(
            store, job_id) else None
    if status in _WAITING:
        return None
    if status == JobStatus.STARTED:
        started = job.started_at.timestamp() if job.started_at else time.time()
        if store.is_alive(task["task_id"]) or time.time() - started < config.heartbeat_ttl:
            return None
        if _redis_restarted_within(store, config.heartbeat_ttl):
            return None  # the heartbeat lapsed while Redis was down; a live horse beats again within the TTL
        return "The worker processing this task stopped."
    return f"The task's job ended without recording an outcome ({status})."


def _redis_restarted_within(store, seconds):
    """True when Redis started less than ``seconds`` ago (False where INFO is not served, as in fakeredis)."""
    try:
        uptime = store.redis.info("server").get("uptime_in_seconds")
    except redis.exceptions.ResponseError:
        return False
    return uptime is not None and int(uptime) < seconds


def _unqueued_for_long(store, job_id):
    """True once a "queued" job has been out of its queue for ``heartbeat_ttl`` seconds.

    A worker pops a job and marks it started within milliseconds, so one seen
    popped-but-queued on rounds that far apart was taken by a worker that died.
    """
    key, ttl = UNQUEUED_KEY.format(job_id), store.config.heartbeat_ttl
    if store.redis.set(key, time.time(), nx=True, ex=max(10 * ttl, 60)):
        return False
    return time.time() - float(store.redis.get(key) or time.time()) >= ttl


def reap_abandoned(store, task_queue):
    """Requeue never-started tasks whose job cannot run, fail the other abandoned ones;
    return how many slots were freed."""
    freed = 0
    for key in store.redis.scan_iter(match="user:*:active_tasks", count=500):
        for member in store.redis.smembers(key):
            task_id = member.decode()
            task = store.get(task_id)
            if task is None or task["status"] in FINAL:
                freed += store.release(task_id)
                continue
            reason = abandonment_reason(store, task_queue, task)
            if not reason:
                continue
            # The pipeline never ran for a pending task, so running it again is safe;
            # the cap keeps a job that cannot even start from going round forever.
            if task["status"] == PENDING and task.get("job_id") and task.get("recoveries", 0) < MAX_RECOVERIES:
                log.warning("task %s requeued: %s", task_id, reason)
                requeue(store, task_queue, task, reason)
                continue
            stage = task.get("stage", "queued")
            where = "before processing started" if stage == "queued" else f"while {stage} ({task.get('progress', 0)}%)"
            log.warning("task %s abandoned %s: %s", task_id, where, reason)
            store.finish(task_id, FAILED, message="Failed", error_code="abandoned",
                         error_message=f"{reason.rstrip('.')} {where}.")
            freed += 1
    return freed


def requeue(store, task_queue, task, reason):
    """Queue a pending task's job afresh (same job id) and count the recovery in the task."""
    task_id = task["task_id"]
    if not store.update(task_id, allowed=(PENDING,), recoveries=task.get("recoveries", 0) + 1,
                        message=f"Queued again: {reason}"):
        return
    task_queue.discard(task["job_id"])
    store.redis.delete(UNQUEUED_KEY.format(task["job_id"]))
    job_id = task_queue.enqueue(task_id, (task.get("media") or {}).get("estimated_duration", 0))
    store.update(task_id, allowed=(PENDING,), job_id=job_id)


def remove_expired_files(store):
    """Delete the folders of tasks whose record expired; return how many."""
    removed = 0
    for task_id, folder in stored_task_ids(store.config.data_dir):
        try:
            old_enough = time.time() - os.path.getmtime(folder) > store.config.upload_grace
            if old_enough and not store.redis.exists(task_key(task_id)):
                remove_task_files(store.config.data_dir, task_id)
                removed += 1
        except (OSError, LookupError):
            continue  # a folder vanished meanwhile, or does not name a task
    return removed


def prune_listings(store):
    """Drop expired tasks from the users' listings."""
    horizon = (time.time() - store.config.result_ttl) * 1_000_000
    for key in store.redis.scan_iter(match="user:*:tasks", count=500):
        old = [m.decode() for m in store.redis.zrangebyscore(key, "-inf", horizon)]
        gone = [task_id for task_id, exists in zip(old, _exist(store.redis, old)) if not exists]
        if gone:
            store.redis.zrem(key, *gone)


def _exist(redis, task_ids):
    pipe = redis.pipeline(transaction=False)
    for task_id in task_ids:
        pipe.exists(task_key(task_id))
    return pipe.execute()


def reap(store, task_queue, lock_ttl=None):
    """One cleanup round, skipped when another process ran one within ``lock_ttl`` seconds."""
    lock_ttl = lock_ttl or store.config.reaper_interval
    if not store.redis.set(LOCK_KEY, os.getpid(), nx=True, ex=max(int(lock_ttl), 1)):
        return None
    freed = reap_abandoned(store, task_queue)
    removed = remove_expired_files(store)
    prune_listings(store)
    return {"freed_slots": freed, "removed_folders": removed}
