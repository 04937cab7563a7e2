"""TaskStore: one task's state in the hash task:<user>:<uuid> (field ``data``, JSON)."""
import json
import time
from datetime import datetime, timezone

from srtmedia.tasks import metrics, webhooks
from srtmedia.tasks.ids import heartbeat_key, split_task_id, task_key, user_index_key
from srtmedia.tasks.quotas import Quotas

PENDING, PROCESSING, COMPLETED, FAILED, CANCELLED = "pending", "processing", "completed", "failed", "cancelled"
ACTIVE = (PENDING, PROCESSING)
FINAL = (COMPLETED, FAILED, CANCELLED)
STAGES = ("queued", "transcribing", "processing_llm", "aligning", "completed")

# Compare-and-set on the task record. The status must be one of ARGV[2] (a
# comma list; "" = any), so final states stay final whoever writes late.
# Progress never goes down and the stage never goes back, whatever order
# progress writes arrive in.
_UPDATE = """
local raw = redis.call('HGET', KEYS[1], 'data')
if not raw then return 0 end
local task = cjson.decode(raw)
if ARGV[2] ~= '' and not string.find(',' .. ARGV[2] .. ',', ',' .. tostring(task.status) .. ',', 1, true) then
  return -1
end
local patch = cjson.decode(ARGV[1])
local rank = {queued = 0, transcribing = 1, processing_llm = 2, aligning = 3, completed = 4}
if patch.stage and task.stage and (rank[patch.stage] or 0) < (rank[task.stage] or 0) then
  patch.stage = nil
  patch.message = nil
end
if patch.progress and task.progress and patch.progress < task.progress then patch.progress = task.progress end
for k, v in pairs(patch) do task[k] = v end
redis.call('HSET', KEYS[1], 'data', cjson.encode(task))
if tonumber(ARGV[3]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return 1
"""


def utc_now():
    """Now as ISO 8601 UTC with milliseconds, e.g. 2024-05-01T12:00:00.123Z."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def decode(raw):
    """A task record from its JSON; Lua's cjson turns empty objects into lists, so undo that."""
    task = json.loads(raw)
    for name in ("options", "media", "subtitles"):
        if task.get(name) == []:
            task[name] = {}
    if isinstance(task.get("summary"), dict) and task["summary"].get("cuts") == {}:
        task["summary"]["cuts"] = []
    return task


class TaskStore:
    """Reads and writes task records; admission and release go through Quotas."""

    def __init__(self, redis, config):
        self.redis = redis
        self.config = config
        self.quotas = Quotas(redis, config.max_tasks_per_user, config.max_tasks_global)
        self._update = redis.register_script(_UPDATE)

    def new_record(self, task_id, **fields):
        user, _ = split_task_id(task_id)
        now = utc_now()
        return {"task_id": task_id, "user_id": user, "status": PENDING, "stage": "queued", "progress": 0,
                "message": "Receiving upload", "created_at": now, "updated_at": now, **fields}

    def admit(self, record):
        """Store a new task and take its slot; raises UserLimitReached or ServerBusy."""
        score = time.time_ns() // 1000
        self.quotas.acquire(record["user_id"], record["task_id"], json.dumps(record), score)

    def get(self, task_id):
        raw = self.redis.hget(task_key(task_id), "data")
        return decode(raw) if raw is not None else None

    def get_many(self, task_ids):
        """{task_id: record} for the ids that exist, in one round trip."""
        task_ids = list(task_ids)
        pipe = self.redis.pipeline(transaction=False)
        for task_id in task_ids:
            pipe.hget(task_key(task_id), "data")
        return {task_id: decode(raw) for task_id, raw in zip(task_ids, pipe.execute()) if raw is not None}

    def update(self, task_id, allowed=ACTIVE, ttl=0, **fields):
        """Merge ``fields`` into the record if its status is in ``allowed``; True when written."""
        fields.setdefault("updated_at", utc_now())
        outcome = self._update(keys=[task_key(task_id)], args=[json.dumps(fields), ",".join(allowed), int(ttl)])
        return outcome == 1

    def finish(self, task_id, status, **fields):
        """Move an active task to a final status and give its slot back.

        True when this call made the transition; the slot is released either way,
        so a task that somehow kept its slot after ending gets it freed.
        """
        fields.update(status=status, finished_at=utc_now())
        if status == COMPLETED:
            fields.update(stage="completed", progress=100)
        # The slot first: a client that reads the final status may submit again at
        # once, and must not be refused for the slot of the task it saw end.
        self.release(task_id)
        changed = self.update(task_id, allowed=ACTIVE, ttl=self.config.result_ttl, **fields)
        self.redis.delete(heartbeat_key(task_id))
        if changed:
            metrics.Metrics(self.redis).count("tasks_finished", status=status)
            webhooks.schedule(self, task_id)
        return changed

    def release(self, task_id):
        user, _ = split_task_id(task_id)
        return self.quotas.release(user, task_id)

    def discard(self, task_id):
        """Remove every trace of a task whose submission failed."""
        user, _ = split_task_id(task_id)
        self.release(task_id)
        self.redis.delete(task_key(task_id))
        self.redis.zrem(user_index_key(user), task_id)

    def forget(self, task_id):
        """Drop a finished task from its user's listing."""
        user, _ = split_task_id(task_id)
        self.redis.zrem(user_index_key(user), task_id)

    def is_cancelled(self, task_id):
        task = self.get(task_id)
        return task is None or task["status"] in FINAL

    def beat(self, task_id):
        """Mark a running task as alive for ``heartbeat_ttl`` seconds."""
        self.redis.set(heartbeat_key(task_id), utc_now(), ex=self.config.heartbeat_ttl)

    def is_alive(self, task_id):
        return bool(self.redis.exists(heartbeat_key(task_id)))

    def list_for_user(self, user, include_completed=True, limit=20, cursor=None):
        """(active, finished, next_cursor, total_active, total_finished) for ``user``, newest first.

        Active tasks are few (bounded by the per-user limit) and always listed in
        full; finished ones are paged by ``cursor``, the score to continue below.
        """
        active_ids = set(self.quotas.active(user))
        active = sorted(self.get_many(active_ids).values(), key=lambda t: t["created_at"], reverse=True)
        index = user_index_key(user)
        total_finished = max(self.redis.zcard(index) - len(active_ids), 0)
        finished, next_cursor = [], None
        if include_completed:
            finished, next_cursor = self._finished_page(index, active_ids, limit, cursor)
        return active, finished, next_cursor, len(active), total_finished

    def _finished_page(self, index, active_ids, limit, cursor):
        high = f"({int(cursor)}" if cursor else "+inf"
        page = []
        while True:
            rows = [(m.decode(), int(score)) for m, score in
                    self.redis.zrevrangebyscore(index, high, "-inf", start=0, num=limit, withscores=True)]
            tasks = self.get_many(task_id for task_id, _ in rows if task_id not in active_ids)
            for task_id, score in rows:
                task = tasks.get(task_id)
                if task is not None and task["status"] in FINAL:
                    page.append(task)
                    if len(page) == limit:
                        return page, str(score)
            if len(rows) < limit:
                return page, None
            high = f"({rows[-1][1]}"
