"""Hostile input at the API: fuzzing from /openapi.json, broken multipart, odd file names, huge files."""
import io
import os
import shutil
import tempfile

import fakeredis
import pytest
import schemathesis
from conftest import srt_text
from hypothesis import HealthCheck, settings
from service_support import app, client, config, redis_client, service_config, srt_bytes, submit, wav_bytes  # noqa: F401

from srtmedia.app import create_app


def problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    return response.get_json()


def no_slot_leaked(redis_client):  # noqa: F811
    return int(redis_client.get("global:active_tasks_count") or 0) == 0 and redis_client.keys("user:*:active*") == []


def test_200000_cues_is_a_clear_413(client, redis_client):  # noqa: F811
    many = srt_text([(n * 0.1, n * 0.1 + 0.05, "w") for n in range(200_000)]).encode()
    body = problem(submit(client, srt=many), 413)
    assert "cues" in body["detail"] and body["field"] == "srt_file"
    assert no_slot_leaked(redis_client)


def test_a_text_file_named_mp4_is_a_400_at_submit(client, redis_client):  # noqa: F811
    form = {"srt_file": (io.BytesIO(srt_bytes()), "talk.srt"),
            "media_file": (io.BytesIO(b"This is not a video, just notes.\n" * 100), "talk.mp4", "video/mp4")}
    response = client.post("/process/srt_media/", data=form, headers={"X-User-ID": "alice"},
                           content_type="multipart/form-data")
    assert problem(response, 400)["detail"] == "media_file does not look like audio or video."
    assert no_slot_leaked(redis_client)


@pytest.mark.parametrize("name", ["../../../../etc/passwd", "..\\..\\windows\\win.ini", "/abs/path.srt",
                                  "\u202egnp.exe.srt", "名前 🎬.srt", "a\x00b.srt", "x" * 5000, ".", "",
                                  "CON", "%2e%2e%2fx.srt"])
def test_client_file_names_are_never_used(client, config, name):  # noqa: F811
    form = {"srt_file": (io.BytesIO(srt_bytes()), name), "media_file": (io.BytesIO(wav_bytes()), name)}
    response = client.post("/process/srt_media/", data=form, headers={"X-User-ID": "alice"},
                           content_type="multipart/form-data")
    assert response.status_code == 202, response.get_data(as_text=True)
    written = sorted(os.path.relpath(os.path.join(root, f), config.data_dir)
                     for root, _, files in os.walk(config.data_dir) for f in files)
    task_uuid = response.get_json()["task_id"].split(":")[1]
    assert written == [f"tasks/alice/{task_uuid}/media", f"tasks/alice/{task_uuid}/subtitles.srt"]


BOUNDARY = "b0und"


def raw_post(client, body, content_type=f"multipart/form-data; boundary={BOUNDARY}", **headers):  # noqa: F811
    return client.post("/process/srt_media/", data=body, headers={"X-User-ID": "alice", "Content-Type": content_type,
                                                                  **headers})


def part(name, payload, filename="f"):
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + payload + b"\r\n"


WHOLE = part("srt_file", srt_bytes()) + part("media_file", wav_bytes()) + f"--{BOUNDARY}--\r\n".encode()


@pytest.mark.parametrize("body, content_type, status", [
    (WHOLE, "multipart/form-data", 400),                                       # no boundary
    (WHOLE, "multipart/form-data; boundary=other", 400),                       # wrong boundary
    (WHOLE[:len(WHOLE) // 2], None, 400),                                      # truncated
    (b"--" + BOUNDARY.encode() + b"\r\nno headers at all\r\n", None, 400),     # a part without headers
    (b"".join(part(f"extra{n}", b"x") for n in range(40)) + WHOLE, None, 413),  # over MAX_FORM_PARTS
    (b"", None, 400),                                                          # empty
    (WHOLE.replace(b"Content-Disposition: form-data; ", b"Content-Disposition: "), None, 400),
], ids=["no-boundary", "wrong-boundary", "truncated", "headerless-part", "40-parts", "empty", "no-form-data"])
def test_malformed_multipart_is_a_4xx_without_a_leaked_slot(client, redis_client, body, content_type,  # noqa: F811
                                                            status):
    response = raw_post(client, body, **({"content_type": content_type} if content_type else {}))
    problem(response, status)
    assert no_slot_leaked(redis_client)


def test_huge_header_values_are_refused_or_harmless(client, redis_client):  # noqa: F811
    problem(client.get("/users/me/tasks", headers={"X-User-ID": "a" * 100_000}), 400)
    # An idempotency key is hashed before it names a Redis key, whatever its size.
    assert submit(client, headers={"Idempotency-Key": "k" * 100_000}).status_code == 202
    assert all(len(key) < 200 for key in redis_client.keys("idempotency:*"))


# --- schemathesis: every documented operation with generated input, never a 500 ---------------------------

FUZZ_DIR = tempfile.mkdtemp(prefix="srtmedia-fuzz-")
# sync_timeout: a fuzzed sync submit that gets accepted must not wait minutes on a queue nobody works.
FUZZ_APP = create_app(service_config(FUZZ_DIR, sync_timeout=0.1), redis=fakeredis.FakeRedis())
schema = schemathesis.openapi.from_wsgi("/openapi.json", FUZZ_APP)


@pytest.fixture(autouse=True, scope="module")
def remove_fuzz_dir():
    yield
    shutil.rmtree(FUZZ_DIR, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzzed_requests_never_answer_500(case):
    response = case.call()
    assert response.status_code < 500 or response.status_code in (503, 504), (
        case.method, case.formatted_path, response.status_code, response.text[:300])
