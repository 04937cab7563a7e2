"""The application factory."""
from dataclasses import dataclass, fields

from flask import Flask
from redis import Redis

from srtmedia.api.auth import check_mode
from srtmedia.api.errors import register_error_handlers
from srtmedia.config import Config
from srtmedia.tasks.queue import TaskQueue
from srtmedia.tasks.store import TaskStore


@dataclass(frozen=True)
class Services:
    """What the blueprints use, built once per app."""

    config: Config
    redis: Redis
    store: TaskStore
    task_queue: TaskQueue


def _split(config):
    """(service Config, Flask settings) from create_app's argument."""
    if config is None or isinstance(config, Config):
        return Config.coerce(config), {}
    names = {f.name for f in fields(Config)}
    service = {k.lower(): v for k, v in config.items() if k.lower() in names}
    flask_settings = {k: v for k, v in config.items() if k.lower() not in names}
    return Config.from_env(**service), flask_settings


def create_app(config=None, redis=None):
    """Build the API. ``config``: a Config, a mapping of Config fields and Flask settings, or None
    for the environment; ``redis``: a client to use instead of one from ``redis_url``."""
    settings, flask_settings = _split(config)
    check_mode(settings)
    app = Flask("srtmedia", static_folder=None)
    app.config.update(MAX_CONTENT_LENGTH=settings.max_upload_bytes, **flask_settings)
    redis = redis if redis is not None else Redis.from_url(settings.redis_url)
    app.extensions["srtmedia"] = Services(settings, redis, TaskStore(redis, settings), TaskQueue(redis, settings))

    from srtmedia.api.blueprints import media, process, tasks, users, web

    for blueprint in (process.bp, tasks.bp, media.bp, users.bp, web.bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    from srtmedia.api import ops

    ops.init_app(app)  # /healthz, /readyz, /metrics, /rq, request ids and logs
    return app
