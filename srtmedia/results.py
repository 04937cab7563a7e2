"""Responses carrying a finished task's result, as JSON or as an export format."""
import json
import os

from flask import Response

from srtmedia.errors import Problem
from srtmedia.folders import result_path
from srtmedia.schemas import TaskResultSchema
from srtmedia.store import COMPLETED

_SPLICE_MARK = '"__result__"'


def require_result(data_dir, task):
    """The path of a completed task's result file; a 409 or 410 Problem otherwise."""
    if task["status"] != COMPLETED:
        detail = f"Task is {task['status']} ({task['progress']}%); the result is not available."
        raise Problem(409, detail, task_id=task["task_id"], task_status=task["status"],
                      progress=task["progress"], error_message=task.get("error_message"))
    path = result_path(data_dir, task["task_id"])
    if task.get("files_deleted") or not os.path.exists(path):
        raise Problem(410, "The task's result was deleted.", task_id=task["task_id"])
    return path


def result_response(data_dir, task, fmt="json"):
    """200 with the result envelope, or with the ``fmt`` export and its content type."""
    path = require_result(data_dir, task)
    if fmt == "json":
        # Opened now so a DELETE racing with this answer cannot pull the file from under it.
        return Response(_envelope(task["task_id"], open(path, "rb")), mimetype="application/json")
    from srtmedia.pipeline.exports import CONTENT_TYPES, export

    with open(path, encoding="utf-8") as source:
        result = json.load(source)
    return Response(export(result, fmt), content_type=CONTENT_TYPES[fmt])


def _envelope(task_id, source):
    # Results can be megabytes: the stored JSON is sent as it is, inside the
    # schema-dumped envelope, rather than parsed and encoded again.
    envelope = TaskResultSchema().dump({"task_id": task_id, "status": COMPLETED, "result": "__result__"})
    head, _, tail = json.dumps(envelope, separators=(",", ":")).partition(_SPLICE_MARK)
    yield head.encode()
    with source:
        while chunk := source.read(256 * 1024):
            yield chunk
    yield tail.encode()
