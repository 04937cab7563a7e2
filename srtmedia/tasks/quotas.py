"""Concurrency slots per user and for the whole server, taken and given back atomically."""
from srtmedia.tasks.ids import GLOBAL_ACTIVE_COUNT, active_set_key, task_key, user_index_key


class UserLimitReached(Exception):
    """The user already runs the maximum number of tasks."""


class ServerBusy(Exception):
    """The server already runs the maximum number of tasks."""


# A slot and its task record are written together, so a reaper never sees one
# without the other. Re-admitting a task that holds a slot is a no-op.
_ACQUIRE = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[3]) then return -2 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[3], 'data', ARGV[4])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
return 1
"""

# Only a task still in the user's set gives its slot back: releasing twice,
# from the job and from a reaper say, counts once.
_RELEASE = """
if redis.call('SREM', KEYS[1], ARGV[1]) == 1 then
  if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
  return 1
end
return 0
"""


class Quotas:
    """The per-user active set and the global counter, as the operators' runbook names them."""

    def __init__(self, redis, per_user, global_limit):
        self.redis = redis
        self.per_user = per_user
        self.global_limit = global_limit
        self._acquire = redis.register_script(_ACQUIRE)
        self._release = redis.register_script(_RELEASE)

    def acquire(self, user, task_id, record_json, score):
        """Take a slot for ``task_id`` and store its record; raise UserLimitReached or ServerBusy."""
        outcome = self._acquire(
            keys=[active_set_key(user), GLOBAL_ACTIVE_COUNT, task_key(task_id), user_index_key(user)],
            args=[task_id, self.per_user, self.global_limit, record_json, score],
        )
        if outcome == -1:
            raise UserLimitReached(user)
        if outcome == -2:
            raise ServerBusy()

    def release(self, user, task_id):
        """Give the task's slot back; True when it still held one."""
        return bool(self._release(keys=[active_set_key(user), GLOBAL_ACTIVE_COUNT], args=[task_id]))

    def active(self, user):
        return sorted(m.decode() for m in self.redis.smembers(active_set_key(user)))

    def global_count(self):
        return int(self.redis.get(GLOBAL_ACTIVE_COUNT) or 0)
