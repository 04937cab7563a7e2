"""The OpenAPI 3 document of the API, built with apispec from the marshmallow schemas.

Every route of the app (see api_rules) becomes an operation: the ones in _operations()
get their full description, any other (routes added later) gets its view's
docstring and the common error answers, so the document never omits a route.
"""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import fields

from srtmedia import __version__
from srtmedia.api.schemas import (EXPORT_FORMATS, ProblemSchema, ResultQuerySchema, SubmitFormSchema, TaskCreatedSchema,
                                  TaskListQuerySchema, TaskListSchema, TaskResultSchema, TaskStatusSchema)
from srtmedia.pipeline.output.exports import CONTENT_TYPES
from srtmedia.tasks.ids import USER_ID

OPENAPI_VERSION = "3.0.3"   # Swagger UI 4 renders 3.0 documents
PROBLEM = "application/problem+json"


class SubmitUploadSchema(SubmitFormSchema):
    """The multipart body of a submit: the two files beside the optional fields."""

    srt_file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                                   "description": "The subtitles (SRT, WebVTT, ASS or SSA), at most 20 MiB."})
    media_file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                                     "description": "The audio or video the subtitles belong to."})


def _header(description, schema=None):
    return {"description": description, "schema": schema or {"type": "string"}}


HEADERS = {
    "Location": _header("Where to poll the task's status."),
    "Retry-After": _header("Seconds to wait before asking again.", {"type": "integer", "minimum": 0}),
}
PARAMETERS = {
    "UserId": {"in": "header", "name": "X-User-ID", "required": True,
               "description": "The caller's identity; a task belongs to the user who created it.",
               "schema": {"type": "string", "pattern": f"^{USER_ID.pattern}$"}},
    "IdempotencyKey": {"in": "header", "name": "Idempotency-Key", "required": False,
                       "description": "Repeating a submit with the same key answers the task it already created.",
                       "schema": {"type": "string", "maxLength": 200}},
    "TaskId": {"in": "path", "name": "task_id", "required": True, "description": "`<user>:<uuid>`, as created.",
               "schema": {"type": "string"}},
}
PARAMETERS["OptionalUserId"] = dict(PARAMETERS["UserId"], required=False,
                                    description="The caller's identity; or give `user_id` in the query.")
# Media elements cannot send headers: the media route also takes the user from the query.
USER_QUERY = {"in": "query", "name": "user_id", "required": False, "schema": PARAMETERS["UserId"]["schema"],
              "description": "The caller's identity when X-User-ID cannot be sent (media players)."}
# The signed link of the status answer's media_url, which stands for the owner's credentials.
LINK_QUERY = [
    {"in": "query", "name": "expires", "required": False, "schema": {"type": "integer"},
     "description": "Unix time the signed link stops working (from the status answer's `media_url`)."},
    {"in": "query", "name": "sig", "required": False, "schema": {"type": "string"},
     "description": "The link's signature; with `expires`, opens this task's media without credentials."},
]
# Error answers by status: (description, headers sent with them).
ERRORS = {
    400: ("Bad input: malformed X-User-ID, task id, SRT (with `line`), media or form field.", ()),
    401: ("No X-User-ID header, or (SRTMEDIA_AUTH=apikey|jwt) no valid bearer credentials.", ()),
    403: ("The task belongs to another user (or a media link is invalid or expired).", ()),
    404: ("No such task (or route).", ()),
    409: ("The task has not completed (`task_status`, `progress`), or was cancelled.", ()),
    410: ("The task's files and result were deleted.", ()),
    413: ("Body, subtitles or number of cues over the limit.", ()),
    416: ("The Range cannot be satisfied.", ()),
    422: ("Processing failed (`error_code`, `task_status`).", ()),
    429: ("The user already has the maximum of active tasks.", ("Retry-After",)),
    503: ("The server is at capacity.", ("Retry-After",)),
    504: ("Processing did not finish in time; poll `Location` (`task_id`).", ("Location", "Retry-After")),
}
TASK_ERRORS = (400, 401, 403, 404)
SUBMIT_ERRORS = (400, 401, 413, 429, 503)
_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>:]+)>")  # <name> or <converter:name>
NOT_API_MODULES = ("flask.", "rq_dashboard.")
MEDIA_TYPES = ("audio/*", "video/*", "application/octet-stream")


def _json(schema):
    return {"application/json": {"schema": schema}}


def _ok(description, content=None, headers=()):
    answer = {"description": description}
    if content:
        answer["content"] = content
    if headers:
        answer["headers"] = {name: name for name in headers}
    return answer


def _operation(summary, responses, errors, parameters=("UserId",), **extra):
    params = list(parameters)  # apispec turns component names into $refs
    responses = {str(code): answer for code, answer in responses.items()}
    responses.update({str(code): f"Problem{code}" for code in errors})
    responses["default"] = "Problem"
    return {"summary": summary, "parameters": params + list(extra.pop("query", [])), "responses": responses,
            **extra}


def _html(summary):
    return _operation(summary, {200: _ok("HTML.", {"text/html": {"schema": {"type": "string"}}})}, (),
                      parameters=(), tags=["docs"])


def _submit_body():
    return {"required": True, "content": {"multipart/form-data": {"schema": "SubmitUpload"}}}


def _result_content():
    content = _json("TaskResult")
    content.update({CONTENT_TYPES[fmt]: {"schema": {"type": "string"}} for fmt in EXPORT_FORMATS if fmt != "json"})
    return content


def _operations():
    """{endpoint: {method: operation}} of the documented routes."""
    submit_headers = ("Location", "Retry-After")
    return {
        "process.submit": {"post": _operation(
            "Queue a task: 202 at once with the task id", {202: _ok("Accepted.", _json("TaskCreated"), submit_headers)},
            SUBMIT_ERRORS, parameters=("UserId", "IdempotencyKey"), requestBody=_submit_body(), tags=["tasks"])},
        "process.submit_and_wait": {"post": _operation(
            "Legacy: process and answer the result in the same request",
            {200: _ok("The result envelope.", _json("TaskResult"))}, SUBMIT_ERRORS + (409, 422, 504),
            requestBody=_submit_body(), tags=["tasks"], deprecated=True)},
        "tasks.status": {"get": _operation(
            "A task's status, stage and progress", {200: _ok("The task.", _json("TaskStatus"))}, TASK_ERRORS,
            tags=["tasks"])},
        "tasks.result": {"get": _operation(
            "A completed task's result, as JSON or an export", {200: _ok("The result.", _result_content())},
            TASK_ERRORS + (409, 410), query=[{"in": "query", "schema": ResultQuerySchema}], tags=["tasks"])},
        "tasks.delete": {"delete": _operation(
            "Cancel an active task, or delete a finished task's files", {200: _ok("The task.", _json("TaskStatus"))},
            TASK_ERRORS, tags=["tasks"])},
        "media.media": {"get": _operation(
            "The task's uploaded media, with Range support for players",
            {200: _ok("The media.", {t: {"schema": {"type": "string", "format": "binary"}} for t in MEDIA_TYPES}),
             206: _ok("Part of the media (Range).")}, TASK_ERRORS + (410, 416), parameters=("OptionalUserId",), query=[USER_QUERY, *LINK_QUERY],
            tags=["tasks"])},
        "users.my_tasks": {"get": _operation(
            "The caller's tasks, newest first", {200: _ok("The tasks.", _json("TaskList"))}, (400, 401),
            query=[{"in": "query", "schema": TaskListQuerySchema}], tags=["users"])},
        "web.openapi": {"get": _operation("This document", {200: _ok("OpenAPI 3.", _json({"type": "object"}))},
                                          (), parameters=(), tags=["docs"])},
        "web.index": {"get": _html("The web page: upload, follow and read your tasks")},
        "web.docs": {"get": _html("These API docs (Swagger UI, served locally)")},
    }


def _fallback(view, methods):
    """An operation for a route without an entry in OPERATIONS, from its view's docstring."""
    summary = ((view.__doc__ or "").strip().splitlines() or ["(undocumented)"])[0]
    return {method: _operation(summary, {200: _ok("Success.")}, (), parameters=()) for method in methods}


def _openapi_path(rule):
    """``/tasks/<task_id>/status`` as ``/tasks/{task_id}/status``, and its path parameters."""
    refs = ["TaskId" if name == "task_id" else
            {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
            for name in _VARIABLE.findall(rule.rule)]
    return _VARIABLE.sub(r"{\1}", rule.rule), refs


def _register_components(spec):
    for name, schema in (("TaskCreated", TaskCreatedSchema), ("TaskStatus", TaskStatusSchema),
                         ("TaskResult", TaskResultSchema), ("TaskList", TaskListSchema),
                         ("SubmitUpload", SubmitUploadSchema), ("Problem", ProblemSchema)):
        spec.components.schema(name, schema=schema)
    for name, header in HEADERS.items():
        spec.components.header(name, header)
    for name, parameter in PARAMETERS.items():
        spec.components.parameter(name, parameter["in"], parameter)
    problem = {PROBLEM: {"schema": "Problem"}}
    spec.components.response("Problem", {"description": "An error (RFC 9457 problem details).", "content": problem})
    for code, (description, headers) in ERRORS.items():
        answer = {"description": description, "content": problem}
        if headers:
            answer["headers"] = {name: name for name in headers}
        spec.components.response(f"Problem{code}", answer)


def api_rules(app):
    """The app's routes less Flask's static files and mounted third-party pages (rq-dashboard)."""
    return [rule for rule in app.url_map.iter_rules()
            if not app.view_functions[rule.endpoint].__module__.startswith(NOT_API_MODULES)]


def build_spec(app):
    """The OpenAPI document (a dict) of every route of ``app``."""
    spec = APISpec(title="srtmedia", version=__version__, openapi_version=OPENAPI_VERSION,
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Subtitles + media in, a time-accurate readable transcript out. "
                                        "Every error is application/problem+json."})
    _register_components(spec)
    documented = _operations()
    for rule in sorted(api_rules(app), key=lambda r: r.rule):
        methods = sorted(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
        operations = documented.get(rule.endpoint) or _fallback(app.view_functions[rule.endpoint], methods)
        path, path_params = _openapi_path(rule)
        spec.path(path=path, operations=operations, parameters=path_params)
    document = spec.to_dict()
    if app.extensions["srtmedia"].config.auth != "header":
        _use_bearer_auth(document)
    return document


USER_PARAMETERS = ("#/components/parameters/UserId", "#/components/parameters/OptionalUserId")


def _use_bearer_auth(document):
    """Authenticated modes: a bearer scheme on every route that named the user by X-User-ID."""
    document["components"]["securitySchemes"] = {"bearer": {
        "type": "http", "scheme": "bearer", "description": "An API key (`srtmedia apikey create USER`) "
                                                           "or an HS256 JWT whose `sub` is the user id."}}
    for item in document["paths"].values():
        for operation in item.values():
            params = operation.get("parameters", []) if isinstance(operation, dict) else []
            kept = [p for p in params if p.get("$ref") not in USER_PARAMETERS and p.get("name") != "user_id"]
            if len(kept) != len(params):
                operation["parameters"] = kept
                operation["security"] = [{"bearer": []}]
