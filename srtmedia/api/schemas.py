"""Marshmallow schemas for every request and response body of the API."""
from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, validate

from srtmedia.api.errors import Problem
from srtmedia.tasks.status import STATUSES, SUBTITLE_FORMATS, TaskStatusSchema

EXPORT_FORMATS = ("json", *SUBTITLE_FORMATS, "txt", "md")
# "subtitles" asks for the corrected subtitles in the format that was uploaded.
RESULT_FORMATS = (*EXPORT_FORMATS, "subtitles")


class SubmitFormSchema(Schema):
    """Optional form fields of a submit, next to the two files; they override the worker's Options."""

    class Meta:
        unknown = EXCLUDE

    text_engine = fields.String(validate=validate.OneOf(("auto", "builtin", "llm")))
    language = fields.String(validate=validate.Regexp(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$"), metadata={
        "description": "Language of the subtitles and speech (ISO 639-1, e.g. es, pt-BR); "
                       "detected from the subtitle text when not given."})
    word_timing = fields.Boolean()


class TaskCreatedSchema(Schema):
    task_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    message = fields.String(required=True)


class TaskResultSchema(Schema):
    """The envelope of GET /tasks/<id>/result; ``result`` is the pipeline's result (docs/pipeline.md)."""

    task_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.Equal("completed"))
    result = fields.Raw(required=True)


class ResultQuerySchema(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(RESULT_FORMATS))


class TaskListQuerySchema(Schema):
    include_completed = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))
    cursor = fields.String(load_default=None, validate=validate.Regexp(r"^\d{1,20}$"))


class TaskListSchema(Schema):
    user_id = fields.String(required=True)
    active_tasks = fields.List(fields.Nested(TaskStatusSchema), required=True)
    completed_tasks = fields.List(fields.Nested(TaskStatusSchema), required=True)
    total_active = fields.Integer(required=True)
    total_completed = fields.Integer(required=True)
    next_cursor = fields.String(allow_none=True)


class ProblemSchema(Schema):
    """RFC 9457 members; handlers add extension members (task_id, line, ...) next to them."""

    class Meta:
        unknown = INCLUDE  # so the OpenAPI document allows the extension members

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String()


def load(schema, data):
    """``schema.load(data)``, turning validation errors into a 400 problem."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        fields_text = "; ".join(f"{name}: {' '.join(map(str, msgs))}" for name, msgs in exc.messages.items())
        raise Problem(400, f"Invalid request: {fields_text}", errors=exc.messages) from exc
