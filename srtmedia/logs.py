"""Structured logs (one JSON object a line) and the X-Request-ID of every API request."""
import json
import logging
import re
import sys
import time
import uuid

from flask import g, request

REQUEST_ID_HEADER = "X-Request-ID"
# What a caller may send as its request id; anything else is replaced, never logged.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
# Members of a log record that logging sets itself; the rest came in through ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, and every ``extra=`` member (task_id, request_id, ...)."""

    def format(self, record):
        line = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                + f".{int(record.msecs):03d}Z",
                "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(log_format="json", level="INFO"):
    """Send srtmedia's and RQ's logs to stderr in ``log_format`` ("json" or "text"), once per process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json"
                         else logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    for name in ("srtmedia", "rq"):
        logger = logging.getLogger(name)
        if not any(getattr(h, "srtmedia", False) for h in logger.handlers):
            handler.srtmedia = True
            logger.handlers = [h for h in logger.handlers if not isinstance(h, logging.StreamHandler)]
            logger.addHandler(handler)
            logger.propagate = False
        logger.setLevel(level)


def request_id():
    """The current request's id (inside a request), else None."""
    return g.get("request_id")


def init_app(app):
    """Give every request an id (the caller's if valid), echo it back, and log one line per request."""
    log = logging.getLogger("srtmedia.access")

    @app.before_request
    def _take_request_id():
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _echo_and_log(response):
        rid = g.get("request_id") or uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = rid
        task_id = (request.view_args or {}).get("task_id") or g.get("task_id")
        log.info("%s %s %s", request.method, request.path, response.status_code,
                 extra={"request_id": rid, "task_id": task_id, "method": request.method, "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2)})
        return response
