"""RFC 9457 problem details: the one error format of the API."""
import logging

from flask import current_app, json, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from srtmedia.tasks.ids import UnknownTaskId

PROBLEM_TYPE = "application/problem+json"
log = logging.getLogger(__name__)


class Problem(Exception):
    """An error answer: status, human detail, optional headers and extension members."""

    def __init__(self, status, detail, *, title=None, headers=None, **extensions):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTP_STATUS_CODES.get(status, "Error")
        self.headers = headers or {}
        self.extensions = extensions


def missing_user():
    return Problem(401, "Missing X-User-ID header. Please provide user identification.")


def invalid_user():
    return Problem(400, "Invalid X-User-ID header: use 1-64 letters, digits, '_', '-', '.' or '@'.")


def access_denied():
    return Problem(403, "Access denied")


def task_not_found():
    return Problem(404, "Task not found")


def user_limit(limit, retry_after):
    return Problem(429, f"Maximum {limit} concurrent tasks per user exceeded",
                   headers={"Retry-After": str(retry_after)})


def server_busy(retry_after):
    return Problem(503, "Server is busy, please try again later", headers={"Retry-After": str(retry_after)})


def problem_response(problem):
    """The Flask response for a Problem."""
    # The members of schemas.ProblemSchema (which documents them); built here so errors needs no schemas.
    body = {"type": "about:blank", "title": problem.title, "status": problem.status,
            "detail": problem.detail, "instance": request.path}
    body.update({k: v for k, v in problem.extensions.items() if v is not None})
    response = current_app.response_class(json.dumps(body), status=problem.status, mimetype=PROBLEM_TYPE)
    response.headers.update(problem.headers)
    return response


def _handle_problem(problem):
    return problem_response(problem)


def _handle_http_exception(exc):
    # Flask's own 404/405/413/... become problems too, keeping their headers (e.g. Allow).
    problem = Problem(exc.code or 500, exc.description or exc.name, title=exc.name)
    response = problem_response(problem)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _handle_unexpected(exc):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(Problem(500, "The server failed to answer this request."))


def register_error_handlers(app):
    """Make every error answer application/problem+json."""
    app.register_error_handler(Problem, _handle_problem)
    app.register_error_handler(UnknownTaskId, lambda exc: _handle_problem(task_not_found()))
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_unexpected)
