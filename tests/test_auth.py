"""Access control in each SRTMEDIA_AUTH mode: header, apikey, jwt."""
import time

import jwt
import pytest
from click.testing import CliRunner
from openapi_spec_validator import validate
from service_support import redis_client, service_config, upload  # noqa: F401

from srtmedia.app import create_app
from srtmedia.api.auth import APIKEYS, create_key
from srtmedia.cli import main

SECRET = "s" * 64
# Ids that would escape a key prefix, a folder or a glob if they were let through.
HOSTILE_USERS = ["a:b", "../etc", "..", ".hidden", "a/b", "a\\b", "a b", "a*", "user:*", "a\x00b", "é", "x" * 65,
                 "a\tb", "a%2Fb", "-lead", "{a}"]


def make_client(tmp_path, redis_client, **settings):  # noqa: F811
    return create_app(service_config(tmp_path / "data", **settings), redis=redis_client).test_client()


def bearer(credential):
    return {"Authorization": f"Bearer {credential}"}


def token(sub="alice", secret=SECRET, exp_in=3600, **claims):
    payload = {"sub": sub, **claims}
    if exp_in is not None:
        payload["exp"] = int(time.time()) + exp_in
    return jwt.encode(payload, secret, algorithm="HS256")


def post(client, headers):
    return client.post("/process/srt_media/", data=upload(), headers=headers, content_type="multipart/form-data")


def assert_problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    return response.get_json()


def assert_task_routes_guarded(client, owner_headers, stranger_headers, task_id):
    """Every task route: 200 for the owner, 403 for another user, 400 for a malformed id, 401 without."""
    for method, path in (("get", "/tasks/{}/status"), ("get", "/tasks/{}/result"), ("get", "/tasks/{}/media"),
                         ("delete", "/tasks/{}")):
        call = getattr(client, method)
        assert_problem(call(path.format(task_id), headers=stranger_headers), 403)
        assert_problem(call(path.format("alice:not-a-uuid"), headers=owner_headers), 400)
        assert_problem(call(path.format(task_id)), 401)
    assert client.get(f"/tasks/{task_id}/status", headers=owner_headers).status_code == 200


@pytest.mark.parametrize("user", HOSTILE_USERS)
def test_header_mode_refuses_user_ids_that_could_name_other_keys_or_folders(tmp_path, redis_client, user):  # noqa: F811
    client = make_client(tmp_path, redis_client)
    assert_problem(post(client, {"X-User-ID": user}), 400 if user.strip() else 401)
    assert_problem(client.get("/users/me/tasks", headers={"X-User-ID": user}), 400)
    assert redis_client.keys("user:*") == [] and not (tmp_path / "data" / "tasks").exists()


def test_header_mode_guards_every_task_route(tmp_path, redis_client):  # noqa: F811
    client = make_client(tmp_path, redis_client)
    task_id = post(client, {"X-User-ID": "alice"}).get_json()["task_id"]
    assert_task_routes_guarded(client, {"X-User-ID": "alice"}, {"X-User-ID": "bob"}, task_id)


def test_apikey_mode(tmp_path, redis_client):  # noqa: F811
    client = make_client(tmp_path, redis_client, auth="apikey")
    alice, bob = create_key(redis_client, "alice"), create_key(redis_client, "bob")
    # Only digests are stored.
    assert alice.encode() not in b"".join(redis_client.hkeys(APIKEYS) + redis_client.hvals(APIKEYS))
    created = post(client, {**bearer(alice), "X-User-ID": "bob"})
    assert created.status_code == 202 and created.get_json()["task_id"].startswith("alice:")
    task_id = created.get_json()["task_id"]
    assert_task_routes_guarded(client, bearer(alice), bearer(bob), task_id)
    # X-User-ID alone, a wrong key, a key of another scheme: 401 with a challenge.
    for headers in ({"X-User-ID": "alice"}, bearer("srtm_wrong"), bearer("nope"), {"Authorization": "Basic abc"},
                    {"Authorization": f"Token {alice}"}):
        assert_problem(post(client, headers), 401)
    refused = client.get("/users/me/tasks", headers=bearer("srtm_wrong"))
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    # The media player's ?user_id= is a header-mode convenience only.
    assert_problem(client.get(f"/tasks/{task_id}/media?user_id=alice"), 401)
    assert client.get("/users/me/tasks", headers=bearer(alice)).get_json()["user_id"] == "alice"


def test_apikey_cli_prints_a_working_key_once_and_revokes_it(tmp_path, redis_client, monkeypatch):  # noqa: F811
    monkeypatch.setattr("redis.Redis.from_url", lambda url: redis_client)
    runner = CliRunner()
    created = runner.invoke(main, ["apikey", "create", "carol", "--redis-url", "redis://unused:1/0"])
    assert created.exit_code == 0, created.output
    key = created.output.strip()
    assert key.startswith("srtm_") and len(key) > 40
    client = make_client(tmp_path, redis_client, auth="apikey")
    assert client.get("/users/me/tasks", headers=bearer(key)).get_json()["user_id"] == "carol"
    assert runner.invoke(main, ["apikey", "revoke", key]).exit_code == 0
    assert_problem(client.get("/users/me/tasks", headers=bearer(key)), 401)
    refused = runner.invoke(main, ["apikey", "create", "../root"])
    assert refused.exit_code != 0 and "user id" in refused.output


def test_jwt_mode(tmp_path, redis_client):  # noqa: F811
    client = make_client(tmp_path, redis_client, auth="jwt", jwt_secret=SECRET)
    created = post(client, {**bearer(token("alice")), "X-User-ID": "bob"})
    assert created.status_code == 202 and created.get_json()["task_id"].startswith("alice:")
    assert_task_routes_guarded(client, bearer(token("alice")), bearer(token("bob")),
                               created.get_json()["task_id"])


@pytest.mark.parametrize("credential, detail", [
    (token(exp_in=-10), "expired"),
    (token(exp_in=None), "exp"),
    (token(secret="another secret that is long enough!!"), "Signature"),
    (token(sub="a:b"), "sub"),
    (token(sub="../x"), "sub"),
    (token(sub=None), "sub"),
    (jwt.encode({"sub": "alice", "exp": int(time.time()) + 60}, SECRET, algorithm="HS512"), "alg"),
    (jwt.encode({"sub": "alice", "exp": int(time.time()) + 60}, None, algorithm="none"), "alg"),
    ("not.a.token", "Invalid token"),
], ids=["expired", "no-exp", "wrong-secret", "sub-colon", "sub-dots", "no-sub", "hs512", "alg-none", "garbage"])
def test_jwt_mode_refuses_bad_tokens(tmp_path, redis_client, credential, detail):  # noqa: F811
    client = make_client(tmp_path, redis_client, auth="jwt", jwt_secret=SECRET)
    body = assert_problem(client.get("/users/me/tasks", headers=bearer(credential)), 401)
    assert detail.lower() in body["detail"].lower()


def test_misconfiguration_stops_the_app(tmp_path, redis_client):  # noqa: F811
    with pytest.raises(ValueError, match="SRTMEDIA_AUTH"):
        make_client(tmp_path, redis_client, auth="basic")
    with pytest.raises(ValueError, match="SRTMEDIA_JWT_SECRET"):
        make_client(tmp_path, redis_client, auth="jwt", jwt_secret="short")


def test_openapi_names_the_bearer_scheme_in_authenticated_modes(tmp_path, redis_client):  # noqa: F811
    spec = make_client(tmp_path, redis_client, auth="apikey").get("/openapi.json").get_json()
    validate(spec)
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    status = spec["paths"]["/tasks/{task_id}/status"]["get"]
    assert status["security"] == [{"bearer": []}]
    assert all("X-User-ID" not in str(p) for p in status["parameters"])
    media = spec["paths"]["/tasks/{task_id}/media"]["get"]
    assert [p for p in media["parameters"] if p.get("name") == "user_id"] == []


def test_signed_media_link_opens_only_that_media_until_it_expires(tmp_path, redis_client, monkeypatch):  # noqa: F811
    client = make_client(tmp_path, redis_client, auth="apikey", media_link_ttl=60)
    alice = create_key(redis_client, "alice")
    first, second = (post(client, bearer(alice)).get_json()["task_id"] for _ in range(2))
    link = client.get(f"/tasks/{first}/status", headers=bearer(alice)).get_json()["media_url"]
    assert link.startswith(f"/tasks/{first}/media?") and "sig=" in link
    # A player sends no credentials: the link alone plays the media, with seeking.
    played = client.get(link, headers={"Range": "bytes=0-9"})
    assert played.status_code == 206 and len(played.data) == 10
    # The same signature does not open another task, nor a changed expiry, nor a changed signature.
    assert_problem(client.get(link.replace(first, second)), 403)
    expires = int(link.split("expires=")[1].split("&")[0])
    assert_problem(client.get(link.replace(f"expires={expires}", f"expires={expires + 3600}")), 403)
    assert_problem(client.get(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")), 403)
    # A malformed or non-ASCII signature is just as wrong (it once raised inside hmac: a 500).
    for forged in ("%C3%A9t%C3%A9", "%00", "%F0%9F%94%91" * 20, ""):
        assert_problem(client.get(link.split("sig=")[0] + "sig=" + forged), 403)
    # Expired: 403 with a readable way out.
    later = time.time() + 61
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: later)
        assert "expired" in assert_problem(client.get(link), 403)["detail"]
    # After DELETE removed the files there is no link, and the old one answers 410.
    client.delete(f"/tasks/{first}", headers=bearer(alice))  # cancels
    gone = client.delete(f"/tasks/{first}", headers=bearer(alice)).get_json()  # deletes the files
    assert "media_url" not in gone
    assert_problem(client.get(link), 410)
