"""Service settings, read from the environment."""
from dataclasses import dataclass, field

from srtmedia.settings import EnvSettings

MiB = 1024 * 1024


@dataclass(frozen=True)
class Config(EnvSettings):
    """Everything the API, the workers and the reaper need to agree on.

    Each field can be set with the environment variable named in ``_ENV``;
    ``Config.from_env(**overrides)`` applies overrides on top.
    """

    redis_url: str = "redis://localhost:6379/0"
    data_dir: str = "./data"
    queue_name: str = "srtmedia"
    max_tasks_per_user: int = 5
    max_tasks_global: int = 20
    max_upload_bytes: int = 8 * 1024 * MiB
    max_subtitle_bytes: int = 20 * MiB
    max_cues: int = 50_000
    max_media_duration: float = 6 * 3600.0   # seconds; caps the job timeout
    result_ttl: int = 7 * 24 * 3600          # seconds a finished task and its files are kept
    upload_grace: int = 3600                  # seconds a task may stay pending without a job
    heartbeat_ttl: int = 30                   # a running task unseen this long is abandoned
    reaper_interval: int = 10                 # so a dead worker's task is noticed within ttl + interval
    sync_timeout: float = 300.0
    poll_after: int = 2                       # Retry-After on 202, in seconds
    retry_after_user_limit: int = 30
    retry_after_busy: int = 15
    idempotency_ttl: int = 24 * 3600
    job_timeout_base: int = 300
    job_timeout_per_media_second: float = 3.0
    assumed_media_bytes_per_second: int = 16_000   # 128 kbit/s: a low guess makes a long timeout
    job_retries: int = 3
    job_retry_base_delay: int = 10
    worker_ttl: int = 60
    job_monitoring_interval: int = 10
    auth: str = "header"                      # header (X-User-ID from a trusted gateway) | apikey | jwt
    jwt_secret: str = ""                      # HS256 key for auth=jwt, at least 32 characters
    admin_user: str = "admin"                 # HTTP Basic for /rq and /metrics
    admin_password: str = ""                  # empty: /rq answers 404
    metrics_token: str = ""                   # Bearer token for /metrics, besides the admin login
    media_link_ttl: int = 3600                # seconds a status answer's signed media_url works
    min_free_disk: int = 1024 * MiB           # /readyz fails below this much free space in data_dir
    log_format: str = "json"                  # "json" (one object a line) or "text"
    webhook_secret: str = ""                  # "whsec_" + base64, or any string used as the key
    webhook_allowed_hosts: str = ""           # comma list of host[:port] patterns; empty = no webhooks
    webhook_timeout: float = 10.0
    webhook_retries: int = 5
    webhook_retry_base_delay: int = 5         # delays 5, 15, 45, ... s
    pipeline: str = "srtmedia.pipeline:run"   # "module:function" with run()'s signature
    options: dict = field(default_factory=dict)  # Options overrides for every task

    _ENV = {
        "redis_url": "REDIS_URL",
        "data_dir": "SRTMEDIA_DATA_DIR",
        "queue_name": "SRTMEDIA_QUEUE",
        "max_tasks_per_user": "MAX_CONCURRENT_TASKS_PER_USER",
        "max_tasks_global": "MAX_GLOBAL_CONCURRENT_TASKS",
        "max_upload_bytes": "SRTMEDIA_MAX_UPLOAD_BYTES",
        "max_subtitle_bytes": "SRTMEDIA_MAX_SUBTITLE_BYTES",
        "max_cues": "SRTMEDIA_MAX_CUES",
        "max_media_duration": "SRTMEDIA_MAX_MEDIA_DURATION",
        "result_ttl": "SRTMEDIA_RESULT_TTL",
        "upload_grace": "SRTMEDIA_UPLOAD_GRACE",
        "heartbeat_ttl": "SRTMEDIA_HEARTBEAT_TTL",
        "reaper_interval": "SRTMEDIA_REAPER_INTERVAL",
        "sync_timeout": "SRTMEDIA_SYNC_TIMEOUT",
        "poll_after": "SRTMEDIA_POLL_AFTER",
        "retry_after_user_limit": "SRTMEDIA_RETRY_AFTER_USER_LIMIT",
        "retry_after_busy": "SRTMEDIA_RETRY_AFTER_BUSY",
        "idempotency_ttl": "SRTMEDIA_IDEMPOTENCY_TTL",
        "job_timeout_base": "SRTMEDIA_JOB_TIMEOUT_BASE",
        "job_timeout_per_media_second": "SRTMEDIA_JOB_TIMEOUT_PER_MEDIA_SECOND",
        "assumed_media_bytes_per_second": "SRTMEDIA_ASSUMED_MEDIA_BYTES_PER_SECOND",
        "job_retries": "SRTMEDIA_JOB_RETRIES",
        "job_retry_base_delay": "SRTMEDIA_JOB_RETRY_BASE_DELAY",
        "worker_ttl": "SRTMEDIA_WORKER_TTL",
        "job_monitoring_interval": "SRTMEDIA_JOB_MONITORING_INTERVAL",
        "auth": "SRTMEDIA_AUTH",
        "jwt_secret": "SRTMEDIA_JWT_SECRET",
        "admin_user": "SRTMEDIA_ADMIN_USER",
        "admin_password": "SRTMEDIA_ADMIN_PASSWORD",
        "metrics_token": "SRTMEDIA_METRICS_TOKEN",
        "media_link_ttl": "SRTMEDIA_MEDIA_LINK_TTL",
        "min_free_disk": "SRTMEDIA_MIN_FREE_DISK",
        "log_format": "SRTMEDIA_LOG_FORMAT",
        "webhook_secret": "SRTMEDIA_WEBHOOK_SECRET",
        "webhook_allowed_hosts": "SRTMEDIA_WEBHOOK_ALLOWED_HOSTS",
        "webhook_timeout": "SRTMEDIA_WEBHOOK_TIMEOUT",
        "webhook_retries": "SRTMEDIA_WEBHOOK_RETRIES",
        "webhook_retry_base_delay": "SRTMEDIA_WEBHOOK_RETRY_BASE_DELAY",
        "pipeline": "SRTMEDIA_PIPELINE",
    }

    @classmethod
    def coerce(cls, config):
        """A Config from None (the environment), a mapping of overrides, or a Config."""
        if isinstance(config, cls):
            return config
        return cls.from_env(**{k.lower(): v for k, v in (config or {}).items()})

