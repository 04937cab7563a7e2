"""User and task identifiers, and the Redis keys and RQ job ids derived from them."""
import re
import uuid

# The first character is alphanumeric so an id can never be "." or "..", which
# matters because user ids name folders in the data directory.
USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
TASK_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

GLOBAL_ACTIVE_COUNT = "global:active_tasks_count"


class UnknownTaskId(LookupError):
    """A string that is not the id of any task (the HTTP layer answers 404)."""


def new_task_id(user):
    return f"{user}:{uuid.uuid4()}"


def split_task_id(task_id):
    """(user, uuid) of a well-formed task id; raises UnknownTaskId otherwise."""
    user, sep, task_uuid = task_id.rpartition(":")
    if not sep or not USER_ID.fullmatch(user) or not TASK_UUID.fullmatch(task_uuid):
        raise UnknownTaskId(task_id)
    return user, task_uuid


def task_key(task_id):
    return f"task:{task_id}"


def active_set_key(user):
    return f"user:{user}:active_tasks"


def user_index_key(user):
    """Sorted set of all the user's task ids, scored by creation time."""
    return f"user:{user}:tasks"


def idempotency_key(user, key_digest):
    return f"idempotency:{user}:{key_digest}"


def heartbeat_key(task_id):
    return f"task:{task_id}:heartbeat"


def job_id_for(task_id):
    """The RQ job id of a task: RQ ids allow no ':', and the task's uuid is unique on its own."""
    return split_task_id(task_id)[1]
