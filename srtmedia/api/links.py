"""Signed, expiring media links, for players that cannot send credentials.

A ``<video>`` element fetches its ``src`` with no Authorization header, so the
status answer carries ``media_url``: ``/tasks/<id>/media?expires=<unix>&sig=<hmac>``.
The signature (HMAC-SHA256 over the task id and the expiry) proves that the
task's owner was authenticated when the link was made; it opens that one
task's media, and nothing else, until it expires. The key is 32 random bytes
kept in Redis, so every API process signs and checks with the same one.
"""
import base64
import hashlib
import hmac
import secrets
import time
import weakref

LINK_KEY = "auth:media-link-key"
_keys = weakref.WeakKeyDictionary()


def signing_key(redis, fresh=False):
    """The shared signing key, created by whichever process needs it first.

    Kept per client after the first read: the status route signs on every poll,
    and the key only changes if Redis lost its data (``fresh`` re-reads it).
    """
    if fresh or redis not in _keys:
        redis.set(LINK_KEY, secrets.token_hex(32), nx=True)
        _keys[redis] = redis.get(LINK_KEY)
    return _keys[redis]


def _signature(key, task_id, expires):
    key = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key, f"{task_id}\n{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def media_query(redis, task_id, ttl, now=None):
    """Query parameters that open ``task_id``'s media for ``ttl`` seconds."""
    expires = int((now or time.time()) + ttl)
    return {"expires": expires, "sig": _signature(signing_key(redis), task_id, expires)}


def is_valid(redis, task_id, expires, sig, now=None):
    """True when ``sig`` was made for ``task_id`` with ``expires`` and has not expired."""
    try:
        expires = int(expires)
    except (TypeError, ValueError):
        return False
    if expires < (now or time.time()) or not sig:
        return False
    # Compared as bytes: compare_digest refuses str with non-ASCII characters,
    # and a forged signature is a wrong one, not a server error.
    given = str(sig).encode("utf-8", "surrogatepass")
    return any(hmac.compare_digest(_signature(signing_key(redis, fresh), task_id, expires).encode(), given)
               for fresh in (False, True))
