"""POST /process/srt_media/ (queue a task) and its legacy synchronous twin."""
from flask import Blueprint, request, url_for

from srtmedia.api.blueprints import current_user, services
from srtmedia.api.errors import Problem
from srtmedia.api.results import result_response
from srtmedia.api.schemas import TaskCreatedSchema
from srtmedia.api.submission import Submission, wait_until_final
from srtmedia.tasks.store import CANCELLED, COMPLETED

bp = Blueprint("process", __name__)
CREATED_MESSAGE = "Task created successfully. Use the task_id to track progress."


def _status_url(task_id):
    return url_for("tasks.status", task_id=task_id)


@bp.post("/process/srt_media/")
def submit():
    """202 with the task id, a Location to poll and a Retry-After hint."""
    task, replayed = Submission(services(), current_user(), request).accept()
    message = CREATED_MESSAGE if not replayed else "Task already created for this Idempotency-Key."
    body = TaskCreatedSchema().dump({"task_id": task["task_id"], "status": task["status"], "message": message})
    headers = {"Location": _status_url(task["task_id"]), "Retry-After": str(services().config.poll_after)}
    return body, 202, headers


@bp.post("/process/srt_media/sync")
def submit_and_wait():
    """Legacy: process and answer the result, or 504 with the task id after the sync timeout."""
    svc = services()
    task, _ = Submission(svc, current_user(), request).accept()
    task_id = task["task_id"]
    final = wait_until_final(svc.store, task_id, svc.config.sync_timeout)
    if final is None:
        raise Problem(504, f"Processing did not finish within {svc.config.sync_timeout:g} s; poll the task instead.",
                      headers={"Location": _status_url(task_id), "Retry-After": str(svc.config.poll_after)},
                      task_id=task_id, status_url=_status_url(task_id))
    if final["status"] == COMPLETED:
        return result_response(svc.config.data_dir, final)
    if final["status"] == CANCELLED:
        raise Problem(409, "The task was cancelled.", task_id=task_id, task_status=CANCELLED)
    raise Problem(422, final.get("error_message") or "Processing failed.", task_id=task_id,
                  task_status=final["status"], error_code=final.get("error_code"))
