"""Webhooks: a signed POST of the task's status when it ends (Standard Webhooks scheme).

A delivery is its own RQ job on ``<queue>-webhooks``, retried with backoff on
5xx answers, timeouts and connection faults, so it never holds up a pipeline
job. Targets must match SRTMEDIA_WEBHOOK_ALLOWED_HOSTS, and an address that is
private, loopback or link-local is refused unless its host is listed exactly
(no wildcard), so the service cannot be pointed at internal machines.
"""
import base64
import fnmatch
import hashlib
import hmac
import ipaddress
import json
import re
import socket
import time
from urllib.parse import urlsplit

from rq import Queue, Retry
from rq.serializers import JSONSerializer

from srtmedia.tasks.status import TaskStatusSchema

DELIVER_FUNCTION = "srtmedia.tasks.delivery.deliver"
SECRET_PREFIX = "whsec_"


class WebhookRefused(ValueError):
    """A webhook_url the service will not call (the API answers 400 with ``detail``)."""

    def __init__(self, detail):
        self.detail = f"webhook_url refused: {detail}"
        super().__init__(self.detail)


def webhook_queue_name(config):
    return f"{config.queue_name}-webhooks"


def secret_key(secret):
    """The HMAC key: base64-decoded after "whsec_", else the string's own bytes."""
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret[len(SECRET_PREFIX):])
    return secret.encode()


def sign(secret, message_id, timestamp, body):
    """The webhook-signature header value: "v1," + base64(HMAC-SHA256(key, "id.timestamp.body"))."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret_key(secret), signed, hashlib.sha256).digest()).decode()


def _patterns(config):
    return [p.strip().lower() for p in config.webhook_allowed_hosts.split(",") if p.strip()]


def _matching_pattern(patterns, host, port):
    for pattern in patterns:
        target = f"{host}:{port}" if re.search(r":[\d*?]+$", pattern) else host
        if fnmatch.fnmatchcase(target, pattern):
            return pattern
    return None


def check_target(url, config):
    """Raise WebhookRefused unless the service may POST to ``url``; return it."""
    patterns = _patterns(config)
    if not patterns or not config.webhook_secret:
        raise WebhookRefused("webhooks are not enabled on this server")
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise WebhookRefused("not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or len(url) > 2000:
        raise WebhookRefused("use an http or https URL without credentials")
    host = parts.hostname.lower()
    pattern = _matching_pattern(patterns, host, port)
    if pattern is None:
        raise WebhookRefused(f"{host}:{port} is not in the allowed hosts")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
    except OSError:
        raise WebhookRefused(f"{host} does not resolve") from None
    exact = not any(c in pattern for c in "*?[")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        internal = ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast \
            or ip.is_reserved or ip.is_unspecified
        if internal and not exact:
            raise WebhookRefused(f"{host} resolves to an internal address; list it exactly to allow it")
    return url


def new_state(url):
    """The ``webhook`` member of a task record before any attempt."""
    return {"url": url, "attempts": 0, "last_status": None, "delivered": False}


def schedule(store, task_id):
    """Queue a delivery for a task that just ended, if it asked for one."""
    task = store.get(task_id)
    if not task or not task.get("webhook"):
        return None
    config = store.config
    delays = [config.webhook_retry_base_delay * 3 ** n for n in range(config.webhook_retries)]
    queue = Queue(webhook_queue_name(config), connection=store.redis, serializer=JSONSerializer)
    return queue.enqueue(DELIVER_FUNCTION, task_id, retry=Retry(max=len(delays), interval=delays) if delays else None,
                         job_timeout=int(config.webhook_timeout * 2 + 30), result_ttl=3600,
                         failure_ttl=config.result_ttl, description=f"webhook for {task_id}")


def signed_request(secret, task):
    """(body, headers) of a delivery: the status body, signed; the same message id on every retry."""
    status = TaskStatusSchema().dump({k: v for k, v in task.items() if k != "webhook"})
    body = json.dumps(status, separators=(",", ":")).encode()
    message_id = "msg_" + hashlib.sha256(f"{task['task_id']}:{task['status']}".encode()).hexdigest()[:32]
    timestamp = str(int(time.time()))
    return body, {"Content-Type": "application/json", "User-Agent": "srtmedia-webhooks",
                  "webhook-id": message_id, "webhook-timestamp": timestamp,
                  "webhook-signature": sign(secret, message_id, timestamp, body)}
