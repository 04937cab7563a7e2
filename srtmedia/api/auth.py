"""Who is calling: the caller's user id under the configured SRTMEDIA_AUTH mode.

* ``header`` (default): X-User-ID as set by a trusted gateway in front of the API;
* ``apikey``: ``Authorization: Bearer <key>``, keys stored as SHA-256 digests in
  the Redis hash ``auth:apikeys`` (digest -> user id);
* ``jwt``: ``Authorization: Bearer <token>``, HS256 signed with
  SRTMEDIA_JWT_SECRET, the user id in ``sub``, ``exp`` required.

In the authenticated modes X-User-ID is ignored: only a credential names a user.
"""
import hashlib
import secrets

import jwt

from srtmedia.api.errors import Problem, invalid_user, missing_user
from srtmedia.tasks.ids import USER_ID

MODES = ("header", "apikey", "jwt")
APIKEYS = "auth:apikeys"
KEY_PREFIX = "srtm_"


def unauthorized(detail):
    return Problem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="srtmedia"'})


def check_mode(config):
    """Refuse a configuration the API could not authenticate with (at start, not per request)."""
    if config.auth not in MODES:
        raise ValueError(f"SRTMEDIA_AUTH must be one of {', '.join(MODES)}, not {config.auth!r}")
    if config.auth == "jwt" and len(config.jwt_secret) < 32:
        # RFC 7518 3.2: an HS256 key must be at least as long as the hash output.
        raise ValueError("SRTMEDIA_AUTH=jwt needs SRTMEDIA_JWT_SECRET of at least 32 characters")


def authenticate(config, redis, headers, fallback_user=None):
    """The caller's user id; raises a 401 (or, for a malformed X-User-ID, 400) Problem.

    ``fallback_user`` stands in for X-User-ID in header mode only (media players
    cannot send headers).
    """
    if config.auth == "header":
        return user_from_header(headers.get("X-User-ID") or fallback_user)
    token = _bearer(headers.get("Authorization"))
    user = user_for_key(redis, token) if config.auth == "apikey" else _jwt_subject(config, token)
    if user is None:
        raise unauthorized("Invalid API key.")
    return user


def user_from_header(value):
    """The caller's user id from X-User-ID; raises a 401 or 400 Problem."""
    if value is None or not value.strip():
        raise missing_user()
    value = value.strip()
    if not USER_ID.fullmatch(value):
        raise invalid_user()
    return value


def _bearer(value):
    scheme, _, token = (value or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("Missing credentials: send Authorization: Bearer <token>.")
    return token.strip()


def _jwt_subject(config, token):
    try:
        claims = jwt.decode(token, config.jwt_secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError as exc:
        raise unauthorized("The token has expired.") from exc
    except jwt.InvalidTokenError as exc:
        raise unauthorized(f"Invalid token: {exc}") from exc
    subject = claims["sub"]
    # The user id names Redis keys and folders: a token may not smuggle in ':' or '/'.
    if not isinstance(subject, str) or not USER_ID.fullmatch(subject):
        raise unauthorized("Invalid token: 'sub' is not a valid user id.")
    return subject


def _digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(redis, user):
    """A new API key for ``user``; only its digest is stored, so this is the one time it is seen."""
    if not USER_ID.fullmatch(user or ""):
        raise ValueError("a user id is 1-64 letters, digits, '_', '-', '.' or '@', starting with a letter or digit")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    redis.hset(APIKEYS, _digest(key), user)
    return key


def revoke_key(redis, key):
    """Forget ``key``; True when it existed."""
    return bool(redis.hdel(APIKEYS, _digest(key)))


def user_for_key(redis, key):
    """The user ``key`` belongs to, or None."""
    # Looked up by digest: the stored digests never meet the key in a comparison one could time.
    if not key.startswith(KEY_PREFIX):
        return None
    user = redis.hget(APIKEYS, _digest(key))
    return user.decode() if user is not None else None
