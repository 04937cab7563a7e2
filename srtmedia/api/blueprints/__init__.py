"""One blueprint per resource: process (submits), tasks, users."""
from flask import current_app, request

from srtmedia.api.auth import authenticate
from srtmedia.api.errors import Problem, access_denied, task_not_found
from srtmedia.tasks.ids import TASK_UUID, USER_ID


def services():
    """The app's Services (config, store, task queue)."""
    return current_app.extensions["srtmedia"]


def current_user(fallback_user=None):
    """The caller's user id under the configured auth mode (401/400 Problem when missing or bad)."""
    svc = services()
    return authenticate(svc.config, svc.redis, request.headers, fallback_user)


def task_owner(task_id):
    """The user part of a well-formed task id; 400 Problem otherwise."""
    owner, sep, task_uuid = task_id.rpartition(":")
    if not sep or not USER_ID.fullmatch(owner) or not TASK_UUID.fullmatch(task_uuid):
        raise Problem(400, "Malformed task id: expected <user>:<uuid4>.", task_id=task_id)
    return owner


def owned_task(task_id, user=None):
    """The caller's task record: 401 unauthenticated, 400 malformed id, 403 another user's task,
    404 an unknown one. ``user`` defaults to the authenticated caller."""
    user = user or current_user()
    if task_owner(task_id) != user:
        raise access_denied()
    task = services().store.get(task_id)
    if task is None:
        raise task_not_found()
    return task
