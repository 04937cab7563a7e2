"""GET /tasks/<id>/media: the uploaded media back to its owner, for the web page's player."""
import os

from flask import Blueprint, request, send_file

from srtmedia.api.blueprints import current_user, owned_task, services, task_owner
from srtmedia.api.errors import Problem
from srtmedia.api.links import is_valid
from srtmedia.tasks.folders import MEDIA_NAME, task_folder

bp = Blueprint("media", __name__)

# Container names from srtmedia.api.sniff; the player needs a type it can decide on.
MIME_TYPES = {
    "mp4": "video/mp4", "mov": "video/quicktime", "matroska": "video/webm", "wav": "audio/wav",
    "avi": "video/x-msvideo", "ogg": "audio/ogg", "flac": "audio/flac", "mp3": "audio/mpeg",
    "aiff": "audio/aiff", "mpeg-audio": "audio/mpeg", "mpeg-ts": "video/mp2t", "mpeg-ps": "video/mpeg",
}


@bp.get("/tasks/<task_id>/media")
def media(task_id):
    """The media with Range support (206) so players can seek; 410 once the files are deleted.

    A <video> or <audio> element cannot send headers, so it comes with the signed
    ``media_url`` of the status answer (?expires=&sig=), which stands for the owner's
    credentials; in header mode ?user_id= also works, as X-User-ID would.
    """
    if "sig" in request.args:
        if not is_valid(services().redis, task_id, request.args.get("expires"), request.args["sig"]):
            raise Problem(403, "The media link is invalid or has expired; ask for the task's "
                               "status for a fresh one.", task_id=task_id)
        task = owned_task(task_id, task_owner(task_id))
    else:
        task = owned_task(task_id, current_user(fallback_user=request.args.get("user_id")))
    path = os.path.join(task_folder(services().config.data_dir, task_id), MEDIA_NAME)
    if task.get("files_deleted") or not os.path.exists(path):
        raise Problem(410, "The task's media was deleted.", task_id=task_id)
    kind = (task.get("media") or {}).get("kind")
    return send_file(path, mimetype=MIME_TYPES.get(kind, "application/octet-stream"), conditional=True,
                     max_age=0, etag=True)
