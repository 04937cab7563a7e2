"""One task: its status, its result, and DELETE to cancel it or drop its files."""
from urllib.parse import urlencode

from flask import Blueprint, request

from srtmedia.api.blueprints import owned_task, services
from srtmedia.api.links import media_query
from srtmedia.api.results import result_response
from srtmedia.api.schemas import ResultQuerySchema, TaskStatusSchema, load
from srtmedia.tasks.folders import remove_task_files
from srtmedia.tasks.ids import job_id_for
from srtmedia.tasks.store import ACTIVE, CANCELLED, FINAL

bp = Blueprint("tasks", __name__)
_status_schema = TaskStatusSchema()


def status_body(task):
    """The status answer, with a signed link to the media while the files exist."""
    body = _status_schema.dump(task)
    if not task.get("files_deleted"):
        svc = services()
        query = media_query(svc.redis, task["task_id"], svc.config.media_link_ttl)
        # Formatted, not url_for: this runs on every poll, and task ids are URL-safe by construction.
        body["media_url"] = f"{request.script_root}/tasks/{task['task_id']}/media?{urlencode(query)}"
    return body


@bp.get("/tasks/<task_id>/status")
def status(task_id):
    return status_body(owned_task(task_id))


@bp.get("/tasks/<task_id>/result")
def result(task_id):
    task = owned_task(task_id)
    query = load(ResultQuerySchema(), request.args.to_dict())
    return result_response(services().config.data_dir, task, query["format"])


@bp.delete("/tasks/<task_id>")
def delete(task_id):
    """Cancel an active task; for a finished one delete its files and result. Safe to repeat."""
    task = owned_task(task_id)
    svc = services()
    if task["status"] in ACTIVE:
        if svc.store.finish(task_id, CANCELLED, message="Cancelled by the user"):
            svc.task_queue.stop(job_id_for(task_id))
            return status_body(svc.store.get(task_id))
        # The task ended on its own between our read and the cancel: the caller
        # still wants it gone, so treat it as the finished task it now is.
        task = svc.store.get(task_id)
    if not task.get("files_deleted"):
        remove_task_files(svc.config.data_dir, task_id)
        svc.store.update(task_id, allowed=FINAL, files_deleted=True, message="Files and result deleted")
        svc.store.forget(task_id)
        task = svc.store.get(task_id)
    return status_body(task)
