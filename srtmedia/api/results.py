"""Responses carrying a finished task's result, as JSON or as an export format."""
import json
import os

from flask import Response

from srtmedia.api.errors import Problem
from srtmedia.api.schemas import TaskResultSchema
from srtmedia.tasks.folders import SUBTITLES_NAME, result_path, task_folder
from srtmedia.tasks.store import COMPLETED

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
    """200 with the result envelope, or with the ``fmt`` export and its content type.

    ``fmt`` "subtitles" is the corrected subtitles in the uploaded format. Subtitle
    formats are made from the uploaded file, so an ASS script keeps its styles.
    """
    path = require_result(data_dir, task)
    if fmt == "json":
        # Opened now so a DELETE racing with this answer cannot pull the file from under it.
        return Response(_envelope(task["task_id"], open(path, "rb")), mimetype="application/json")
    from srtmedia.pipeline.output.exports import CONTENT_TYPES, SUBTITLE_FORMATS, export

    subtitles = task.get("subtitles") or {}
    if fmt == "subtitles":
        fmt = subtitles.get("format") or "srt"
    with open(path, encoding="utf-8") as source:
        result = json.load(source)
    original = _uploaded_subtitles(data_dir, task["task_id"]) if fmt in SUBTITLE_FORMATS else None
    response = Response(export(result, fmt, original), content_type=CONTENT_TYPES[fmt])
    response.headers.set("Content-Disposition", "inline", filename=download_name(subtitles.get("name"), fmt))
    return response


def download_name(uploaded, fmt):
    """The name to save an export under: the uploaded subtitles' stem (if any) and ``fmt``."""
    stem = os.path.splitext(uploaded or "")[0].strip() or "transcript"
    return f"{stem}.{fmt}"


def _uploaded_subtitles(data_dir, task_id):
    """The uploaded subtitles' text, or None once they are gone."""
    from srtmedia.pipeline.text.subtitles import decode_subtitle_bytes

    try:
        with open(os.path.join(task_folder(data_dir, task_id), SUBTITLES_NAME), "rb") as source:
            return decode_subtitle_bytes(source.read())
    except (OSError, ValueError):
        return None


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
