"""The public form of a task record: what the status route answers and a webhook delivers."""
from marshmallow import Schema, fields, post_dump, pre_dump, validate

STATUSES = ("pending", "processing", "completed", "failed", "cancelled")
STAGES = ("queued", "transcribing", "processing_llm", "aligning", "completed")
SUBTITLE_FORMATS = ("srt", "vtt", "ass", "ssa")


class WebhookStateSchema(Schema):
    """Delivery of a task's webhook: attempts so far, the last HTTP status, whether it arrived."""

    url = fields.String(required=True)
    attempts = fields.Integer(required=True)
    last_status = fields.Integer(allow_none=True)
    delivered = fields.Boolean(required=True)


class CutSchema(Schema):
    at = fields.Float(required=True, metadata={"description": "Media seconds where the cut is."})
    subtitle_at = fields.Float(required=True, metadata={"description": "Subtitle seconds where the cut is."})
    shift = fields.Float(required=True, metadata={"description": "Seconds the timing jumps there: > 0 the "
                                                  "media has more (a break), < 0 less (a removed part)."})


class TimingSummarySchema(Schema):
    """What a finished run changed in the timing (the result's ``timing`` and ``cues`` in numbers)."""

    offset = fields.Float(required=True)
    ratio = fields.Float(required=True)
    cuts = fields.List(fields.Nested(CutSchema), required=True)
    cues = fields.Integer(required=True)
    cues_moved = fields.Integer(required=True, metadata={"description": "Cues whose start moved 0.1 s or more."})
    cues_not_found = fields.Integer(required=True)


class TaskStatusSchema(Schema):
    """What GET /tasks/<id>/status answers; error_message and error_code only for failed tasks.

    The file names are as the client sent them, for display only (escape them).
    """

    task_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    progress = fields.Integer(required=True, validate=validate.Range(0, 100))
    message = fields.String()
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)
    error_message = fields.String()
    error_code = fields.String()
    media_url = fields.String(metadata={"description": "A signed link to the uploaded media for a "
                                        "player, valid for SRTMEDIA_MEDIA_LINK_TTL seconds; "
                                        "absent once the files are deleted."})
    webhook = fields.Nested(WebhookStateSchema)
    subtitles_name = fields.String(metadata={"description": "The uploaded subtitle file's name."})
    subtitles_format = fields.String(validate=validate.OneOf(SUBTITLE_FORMATS),
                                     metadata={"description": "Its format: results come back in it by default."})
    media_name = fields.String(metadata={"description": "The uploaded media file's name."})
    media_duration = fields.Float(metadata={"description": "Seconds of media, once processed."})
    language = fields.String(metadata={"description": "The spoken language, when given or known."})
    summary = fields.Nested(TimingSummarySchema, metadata={"description": "Completed tasks: what changed."})

    @pre_dump
    def _flatten_files(self, task, **kwargs):
        subtitles, media, summary = task.get("subtitles") or {}, task.get("media") or {}, task.get("summary") or {}
        described = {"subtitles_name": subtitles.get("name"), "subtitles_format": subtitles.get("format"),
                     "media_name": media.get("name"), "media_duration": summary.get("duration"),
                     "language": (task.get("options") or {}).get("language") or summary.get("language")}
        return {**task, **{k: v for k, v in described.items() if v is not None}}

    @post_dump
    def _error_only_when_failed(self, data, **kwargs):
        if data.get("status") != "failed":
            data.pop("error_message", None)
            data.pop("error_code", None)
        return data
