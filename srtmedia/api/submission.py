"""Accepting a task: take a slot, stream the upload to disk, check it cheaply, enqueue."""
import hashlib
import os
import time

from srtmedia.api.errors import Problem, server_busy, user_limit
from srtmedia.api.schemas import SubmitFormSchema, load
from srtmedia.api.uploads import MEDIA_FIELD, SUBTITLES_FIELD, check_media, check_subtitles, discard_body, receive
from srtmedia.tasks.folders import create_task_folder, remove_task_files
from srtmedia.tasks.ids import idempotency_key, new_task_id
from srtmedia.tasks.metrics import Metrics
from srtmedia.tasks.quotas import ServerBusy, UserLimitReached
from srtmedia.tasks.store import FINAL
from srtmedia.tasks.webhooks import WebhookRefused, check_target, new_state


class Submission:
    """One submit request, from headers to a queued job."""

    def __init__(self, services, user, request):
        self.services = services
        self.config = services.config
        self.store = services.store
        self.user = user
        self.request = request
        self.task_id = new_task_id(user)
        self._idempotency_key = None

    def accept(self):
        """Return (task record, replayed); raises Problem when the submit is refused."""
        self._check_declared_size()
        replayed = self._replayed_task()
        if replayed is not None:
            discard_body(self.request)
            return replayed, True
        self._admit()
        try:
            self._receive_and_enqueue()
        except BaseException:
            self._undo()
            raise
        return self.store.get(self.task_id), False

    def _check_declared_size(self):
        length = self.request.content_length
        if length is not None and length > self.config.max_upload_bytes:
            raise Problem(413, f"The upload is larger than {self.config.max_upload_bytes} bytes.")

    def _replayed_task(self):
        """The task an earlier submit with the same Idempotency-Key created, if it still exists."""
        header = self.request.headers.get("Idempotency-Key", "").strip()
        if not header:
            return None
        digest = hashlib.sha256(header.encode()).hexdigest()
        self._idempotency_key = idempotency_key(self.user, digest)
        redis, ttl = self.store.redis, self.config.idempotency_ttl
        if redis.set(self._idempotency_key, self.task_id, nx=True, ex=ttl):
            return None
        earlier = redis.get(self._idempotency_key)
        task = self.store.get(earlier.decode()) if earlier else None
        if task is not None:
            return task
        redis.set(self._idempotency_key, self.task_id, ex=ttl)
        return None

    def _admit(self):
        try:
            self.store.admit(self.store.new_record(self.task_id))
        except (UserLimitReached, ServerBusy) as exc:
            self._forget_idempotency_key()
            discard_body(self.request)
            if isinstance(exc, UserLimitReached):
                raise user_limit(self.config.max_tasks_per_user, self.config.retry_after_user_limit) from exc
            raise server_busy(self.config.retry_after_busy) from exc

    def _receive_and_enqueue(self):
        config = self.config
        folder = create_task_folder(config.data_dir, self.task_id)
        form, paths, names = receive(self.request, folder, config.max_upload_bytes)
        options = load(SubmitFormSchema(), form.to_dict())
        webhook_url = form.get("webhook_url", "").strip()
        if webhook_url:
            try:
                target = check_target(webhook_url, config)
            except WebhookRefused as exc:
                raise Problem(400, exc.detail) from exc
            self.store.update(self.task_id, webhook=new_state(target))
        cues, fmt = check_subtitles(paths[SUBTITLES_FIELD], config.max_subtitle_bytes, config.max_cues)
        media = check_media(paths[MEDIA_FIELD], config.assumed_media_bytes_per_second)
        media["name"] = names[MEDIA_FIELD]
        self.store.update(self.task_id, options=options, media=media, message="Queued",
                          subtitles={"cues": cues, "format": fmt, "name": names[SUBTITLES_FIELD]})
        Metrics(self.store.redis).count("upload_bytes", media["size"] + os.path.getsize(paths[SUBTITLES_FIELD]))
        job_id = self.services.task_queue.enqueue(self.task_id, media["estimated_duration"])
        # Recorded after enqueueing: a reaper treats a task without job_id as still uploading.
        self.store.update(self.task_id, job_id=job_id)

    def _undo(self):
        self.store.discard(self.task_id)
        remove_task_files(self.config.data_dir, self.task_id)
        self._forget_idempotency_key()

    def _forget_idempotency_key(self):
        if self._idempotency_key:
            self.store.redis.delete(self._idempotency_key)


def wait_until_final(store, task_id, timeout, poll_interval=0.1):
    """The task record once it is final, or None when ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        task = store.get(task_id)
        if task is None or task["status"] in FINAL:
            return task
        if time.monotonic() >= deadline:
            return None
        time.sleep(min(poll_interval, max(deadline - time.monotonic(), 0)))
