"""The operator's routes: /healthz, /readyz, /metrics and the rq-dashboard at /rq, plus their guard."""
import hmac
import shutil

import redis
import rq_dashboard
from flask import Blueprint, Response, current_app, request, send_from_directory
from rq import Worker
from rq.serializers import JSONSerializer

from srtmedia import logs
from srtmedia.api.errors import Problem
from srtmedia.tasks import metrics
from srtmedia.tasks.webhooks import webhook_queue_name

bp = Blueprint("ops", __name__)
DASHBOARD_PREFIX = "/rq"
SUBMIT_ENDPOINTS = ("process.submit", "process.submit_and_wait")
REJECTION_REASONS = {400: "invalid", 401: "no_user", 403: "forbidden", 413: "too_large",
                     429: "user_limit", 503: "server_busy"}


def _services():
    return current_app.extensions["srtmedia"]


def _basic_ok(config):
    auth = request.authorization
    return bool(config.admin_password and auth and auth.type == "basic"
                and hmac.compare_digest((auth.username or "").encode(), config.admin_user.encode())
                and hmac.compare_digest((auth.password or "").encode(), config.admin_password.encode()))


def _bearer_ok(config):
    header = request.headers.get("Authorization", "")
    return bool(config.metrics_token and header.startswith("Bearer ")
                and hmac.compare_digest(header[7:].strip().encode(), config.metrics_token.encode()))


def require_admin(allow_metrics_token=False):
    """404 when no credential is configured (never open), 401 with a challenge when it is missing."""
    config = _services().config
    if not config.admin_password and not (allow_metrics_token and config.metrics_token):
        raise Problem(404, "Not found")
    if _basic_ok(config) or (allow_metrics_token and _bearer_ok(config)):
        return
    raise Problem(401, "Administrator credentials required.",
                  headers={"WWW-Authenticate": 'Basic realm="srtmedia admin", charset="UTF-8"'})


@bp.get("/healthz")
def healthz():
    """The process is up and answering."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Redis reachable, at least one worker alive, and room on the data directory's disk."""
    svc = _services()
    checks = {}
    try:
        svc.redis.ping()
        checks["redis"] = "ok"
        workers = Worker.count(connection=svc.redis)
        checks["workers"] = workers if workers else "none alive"
    except redis.exceptions.RedisError as exc:
        checks["redis"] = f"unreachable: {type(exc).__name__}"
    try:
        free = shutil.disk_usage(svc.config.data_dir).free
        checks["disk_free_bytes"] = free if free >= svc.config.min_free_disk else f"low: {free}"
    except OSError as exc:
        checks["disk_free_bytes"] = f"unreadable: {exc.strerror}"
    ready = checks.get("redis") == "ok" and isinstance(checks.get("workers"), int) \
        and isinstance(checks.get("disk_free_bytes"), int)
    return {"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503


@bp.get("/metrics")
def prometheus_metrics():
    require_admin(allow_metrics_token=True)
    svc = _services()
    body = metrics.render(svc.redis, svc.config, [svc.config.queue_name, webhook_queue_name(svc.config)])
    return Response(body, mimetype="text/plain", content_type="text/plain; version=0.0.4; charset=utf-8")


def _mount_dashboard(app, services):
    """rq-dashboard's blueprint at /rq on the app's own Redis, reading our JSON-serialized jobs."""
    rq_dashboard.web.config.serializer = JSONSerializer
    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", (services.config.redis_url,))
    app.redis_conn = services.redis  # what the blueprint reads; set here instead of its own connect
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=DASHBOARD_PREFIX)
    if "static" not in app.view_functions:
        # The dashboard's pages link url_for("static", ...) (its favicon); the app has no static route.
        app.add_url_rule(f"{DASHBOARD_PREFIX}/assets/<path:filename>", endpoint="static",
                         view_func=lambda filename: send_from_directory(rq_dashboard.blueprint.static_folder,
                                                                        filename))

    @app.before_request
    def _guard_dashboard():
        if request.blueprint == "rq_dashboard" or (request.path + "/").startswith(DASHBOARD_PREFIX + "/"):
            require_admin()


def _count_rejections(response):
    if request.endpoint in SUBMIT_ENDPOINTS and response.status_code in REJECTION_REASONS:
        try:
            metrics.Metrics(_services().redis).count("rejections", reason=REJECTION_REASONS[response.status_code])
        except redis.exceptions.RedisError:
            pass  # an uncounted rejection beats a failed answer
    return response


def init_app(app):
    """Register the operator's routes, the dashboard, request ids and logs on the app."""
    services = app.extensions["srtmedia"]
    logs.configure_logging(services.config.log_format)
    logs.init_app(app)
    app.register_blueprint(bp)
    _mount_dashboard(app, services)
    app.after_request(_count_rejections)
