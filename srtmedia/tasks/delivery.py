"""The RQ job that delivers a finished task's webhook (scheduled by srtmedia.tasks.webhooks.schedule)."""
import logging
import time
import urllib.error
import urllib.request

from rq import get_current_job

from srtmedia.config import Config
from srtmedia.tasks.store import FINAL, TaskStore
from srtmedia.tasks.webhooks import WebhookRefused, check_target, signed_request

log = logging.getLogger(__name__)


class RetryableDelivery(Exception):
    """The receiver failed in a way worth another try (5xx, timeout, connection)."""


def deliver(task_id):
    """RQ entry point: POST the task's status to its webhook; raise RetryableDelivery to retry."""
    store = TaskStore(get_current_job().connection, Config.from_env())
    task = store.get(task_id)
    if not task or not task.get("webhook") or task["webhook"].get("delivered"):
        return "nothing to do"
    state = dict(task["webhook"])
    body, headers = signed_request(store.config.webhook_secret, task)
    outcome, error = None, None
    try:
        check_target(state["url"], store.config)  # again: DNS may have changed since the submit
        request = urllib.request.Request(state["url"], data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=store.config.webhook_timeout) as answer:
            outcome = answer.status
    except urllib.error.HTTPError as exc:
        outcome = exc.code
    except WebhookRefused as exc:
        error = exc.detail
    except OSError as exc:  # timeouts and connection faults
        error = f"{type(exc).__name__}: {exc}"
    state.update(attempts=state["attempts"] + 1, last_status=outcome, delivered=outcome is not None
                 and 200 <= outcome < 300, last_error=error, last_attempt_at=time.time())
    store.update(task_id, allowed=FINAL, webhook=state)
    log.info("webhook attempt %s for %s: %s", state["attempts"], task_id, outcome or error,
             extra={"task_id": task_id, "webhook_status": outcome})
    retryable = (outcome is None and not error.startswith("webhook_url refused")) or (outcome or 0) >= 500
    if retryable:
        raise RetryableDelivery(f"attempt {state['attempts']} failed: {outcome or error}")
    return state
