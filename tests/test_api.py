"""The HTTP contract on fakeredis, with the job run in-process by run_task."""
import os
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rq.job import JobStatus
from service_support import (app, client, config, redis_client, service_config, srt_bytes, store,  # noqa: F401
                             submit, task_queue, upload, wav_bytes)

from srtmedia.app import create_app
from srtmedia.tasks.ids import GLOBAL_ACTIVE_COUNT
from srtmedia.tasks.job import run_task
from srtmedia.api.uploads import display_name

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def slots(redis_client, user="alice"):
    return redis_client.scard(f"user:{user}:active_tasks"), int(redis_client.get(GLOBAL_ACTIVE_COUNT) or 0)


def test_submit_answers_202_and_stores_the_task(client, redis_client, config):
    response = submit(client, language="en", text_engine="builtin")
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "pending"
    assert body["message"] == "Task created successfully. Use the task_id to track progress."
    user, _, task_uuid = body["task_id"].partition(":")
    assert user == "alice" and re.fullmatch(r"[0-9a-f-]{36}", task_uuid)
    assert response.headers["Location"] == f"/tasks/{body['task_id']}/status"
    assert int(response.headers["Retry-After"]) > 0
    assert redis_client.hget(f"task:{body['task_id']}", "data")
    assert slots(redis_client) == (1, 1)
    folder = os.path.join(config.data_dir, "tasks", "alice", task_uuid)
    assert sorted(os.listdir(folder)) == ["media", "subtitles.srt"]
    assert open(os.path.join(folder, "media"), "rb").read() == wav_bytes()
    job = task_queue_job(redis_client, config, body["task_id"])
    assert job.get_status() == JobStatus.QUEUED and job.timeout >= config.job_timeout_base
    assert job.id == task_uuid


def task_queue_job(redis_client, config, task_id):
    from srtmedia.tasks.queue import TaskQueue

    return TaskQueue(redis_client, config).fetch(task_id.split(":")[1])


def test_every_error_is_problem_json(client):
    problem(client.get("/nope"), 404)
    not_allowed = client.post("/tasks/alice:x")
    problem(not_allowed, 405)
    assert "DELETE" in not_allowed.headers["Allow"]
    body = problem(client.get("/tasks/alice:x/status"), 401)
    assert body["detail"] == "Missing X-User-ID header. Please provide user identification."


def test_internal_errors_are_problem_json(config, redis_client):
    app = create_app(config, redis=redis_client)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    body = problem(app.test_client().get("/boom"), 500)
    assert "secret" not in body["detail"]


@pytest.mark.parametrize("user", ["../etc", "a:b", "x" * 65, "a b", ".hidden"])
def test_user_ids_are_sanitized(client, user):
    problem(submit(client, user=user), 400)


def test_missing_user_header_on_submit(client, redis_client):
    problem(submit(client, user=None), 401)
    assert slots(redis_client) == (0, 0)


@pytest.mark.parametrize("form, status, words", [
    ({"srt": b"1\n00:00:01,000 --> garbage\nHi\n"}, 400, "line 2"),
    ({"media": b"just some text, not media at all\n"}, 400, "does not look like"),
    ({"media": b""}, 400, "empty"),
    ({"text_engine": "gpt-7"}, 400, "text_engine"),
])
def test_bad_input_is_refused_without_leaking_a_slot(client, redis_client, config, form, status, words):
    body = problem(submit(client, **form), status)
    assert words in body["detail"]
    assert slots(redis_client) == (0, 0)
    assert os.listdir(os.path.join(config.data_dir, "tasks", "alice")) == []
    assert redis_client.zcard("user:alice:tasks") == 0


def test_malformed_srt_names_the_line(client):
    body = problem(submit(client, srt=b"1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\nnot a time\n"), 400)
    assert body.get("line") or "line" in body["detail"]


def test_large_binary_media_streams_to_disk(client, config):
    media = wav_bytes(0.01) + os.urandom(3 * 1024 * 1024)
    task_id = submit(client, media=media).get_json()["task_id"]
    path = os.path.join(config.data_dir, "tasks", *task_id.split(":"), "media")
    assert open(path, "rb").read() == media


def test_missing_file_field(client, redis_client):
    form = upload()
    del form["media_file"]
    response = client.post("/process/srt_media/", data=form, headers={"X-User-ID": "alice"})
    assert "media_file" in problem(response, 400)["detail"]
    assert slots(redis_client) == (0, 0)


def test_not_multipart(client):
    problem(client.post("/process/srt_media/", data=b"{}", content_type="application/json",
                        headers={"X-User-ID": "alice"}), 400)


def test_body_too_large(tmp_path, redis_client):
    app = create_app(service_config(tmp_path, max_upload_bytes=10_000), redis=redis_client)
    problem(submit(app.test_client(), media=wav_bytes(seconds=2)), 413)
    assert slots(redis_client) == (0, 0)


def test_user_limit_then_server_limit(tmp_path, redis_client):
    app = create_app(service_config(tmp_path, max_tasks_per_user=2, max_tasks_global=3), redis=redis_client)
    client = app.test_client()
    assert [submit(client).status_code for _ in range(2)] == [202, 202]
    refused = submit(client)
    assert problem(refused, 429)["detail"] == "Maximum 2 concurrent tasks per user exceeded"
    assert int(refused.headers["Retry-After"]) > 0
    assert submit(client, user="bob").status_code == 202
    busy = submit(client, user="carol")
    assert problem(busy, 503)["detail"] == "Server is busy, please try again later"
    assert int(busy.headers["Retry-After"]) > 0


def test_idempotency_key_returns_the_same_task(client, redis_client):
    first = submit(client, headers={"Idempotency-Key": "abc"})
    again = submit(client, headers={"Idempotency-Key": "abc"})
    other = submit(client, headers={"Idempotency-Key": "xyz"})
    assert first.status_code == again.status_code == 202
    assert first.get_json()["task_id"] == again.get_json()["task_id"] != other.get_json()["task_id"]
    assert slots(redis_client) == (2, 2)


def test_status_of_a_new_task(client):
    task_id = submit(client).get_json()["task_id"]
    body = client.get(f"/tasks/{task_id}/status", headers={"X-User-ID": "alice"}).get_json()
    assert body["task_id"] == task_id
    assert (body["status"], body["stage"], body["progress"]) == ("pending", "queued", 0)
    assert ISO_UTC.match(body["created_at"]) and ISO_UTC.match(body["updated_at"])
    assert "error_message" not in body and "error_code" not in body and body["message"]


def test_access_rules(client):
    task_id = submit(client).get_json()["task_id"]
    assert problem(client.get(f"/tasks/{task_id}/status", headers={"X-User-ID": "bob"}), 403)["detail"] == \
        "Access denied"
    missing = "alice:00000000-0000-4000-8000-000000000000"
    assert problem(client.get(f"/tasks/{missing}/status", headers={"X-User-ID": "alice"}), 404)["detail"] == \
        "Task not found"
    problem(client.get("/tasks/garbage/status", headers={"X-User-ID": "alice"}), 400)
    problem(client.delete(f"/tasks/{task_id}", headers={"X-User-ID": "bob"}), 403)
    problem(client.get(f"/tasks/{task_id}/result", headers={"X-User-ID": "bob"}), 403)


def test_result_before_and_after_completion(client, store, redis_client):
    task_id = submit(client).get_json()["task_id"]
    early = problem(client.get(f"/tasks/{task_id}/result", headers={"X-User-ID": "alice"}), 409)
    assert (early["task_status"], early["progress"]) == ("pending", 0)
    assert run_task(store, task_id) == "completed"
    assert slots(redis_client) == (0, 0)
    status = client.get(f"/tasks/{task_id}/status", headers={"X-User-ID": "alice"}).get_json()
    assert (status["status"], status["stage"], status["progress"]) == ("completed", "completed", 100)
    response = client.get(f"/tasks/{task_id}/result", headers={"X-User-ID": "alice"})
    assert response.status_code == 200 and response.content_type == "application/json"
    body = response.get_json()
    assert body["task_id"] == task_id and body["status"] == "completed"
    assert {"paragraphs", "cues", "timing", "transcript", "media", "engine"} <= set(body["result"])
    assert body["result"]["paragraphs"][0]["text"] == "Hello there."


@pytest.mark.parametrize("fmt, content_type, needle", [
    ("srt", "application/x-subrip", "00:00:01,000 --> 00:00:02,000"),
    ("vtt", "text/vtt", "WEBVTT"),
    ("txt", "text/plain", "Hello there."),
    ("md", "text/markdown", "Hello there."),
])
def test_result_formats(client, store, fmt, content_type, needle):
    task_id = submit(client).get_json()["task_id"]
    run_task(store, task_id)
    response = client.get(f"/tasks/{task_id}/result?format={fmt}", headers={"X-User-ID": "alice"})
    assert response.status_code == 200 and response.content_type.startswith(content_type)
    assert needle in response.get_data(as_text=True)


def test_unknown_result_format(client, store):
    task_id = submit(client).get_json()["task_id"]
    run_task(store, task_id)
    problem(client.get(f"/tasks/{task_id}/result?format=docx", headers={"X-User-ID": "alice"}), 400)


def test_failed_task_reports_the_error(client, store, redis_client):
    task_id = submit(client, srt=srt_bytes("FAIL")).get_json()["task_id"]
    assert run_task(store, task_id) == "failed"
    body = client.get(f"/tasks/{task_id}/status", headers={"X-User-ID": "alice"}).get_json()
    assert body["status"] == "failed" and body["error_message"] == "the media has no audio stream"
    assert body["error_code"] == "invalid_media"
    assert slots(redis_client) == (0, 0)
    problem(client.get(f"/tasks/{task_id}/result", headers={"X-User-ID": "alice"}), 409)


def test_delete_cancels_a_queued_task_and_is_repeatable(client, store, redis_client, task_queue):
    task_id = submit(client).get_json()["task_id"]
    for _ in range(2):
        response = client.delete(f"/tasks/{task_id}", headers={"X-User-ID": "alice"})
        assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert slots(redis_client) == (0, 0)
    assert task_queue.fetch(task_id.split(":")[1]).get_status() == JobStatus.CANCELED
    assert run_task(store, task_id) == "cancelled"  # a job that starts anyway does nothing


def test_delete_on_a_finished_task_removes_its_files(client, store, config):
    task_id = submit(client).get_json()["task_id"]
    run_task(store, task_id)
    folder = os.path.join(config.data_dir, "tasks", *task_id.split(":"))
    assert os.path.exists(os.path.join(folder, "result.json"))
    assert client.delete(f"/tasks/{task_id}", headers={"X-User-ID": "alice"}).get_json()["status"] == "completed"
    assert not os.path.exists(folder)
    problem(client.get(f"/tasks/{task_id}/result", headers={"X-User-ID": "alice"}), 410)
    assert client.delete(f"/tasks/{task_id}", headers={"X-User-ID": "alice"}).status_code == 200


def test_listing_newest_first_with_paging(client, store):
    ids = [submit(client).get_json()["task_id"] for _ in range(5)]
    for task_id in ids[:3]:
        run_task(store, task_id)
    headers = {"X-User-ID": "alice"}
    body = client.get("/users/me/tasks", headers=headers).get_json()
    assert body["user_id"] == "alice"
    assert [t["task_id"] for t in body["active_tasks"]] == ids[:2:-1]
    assert body["completed_tasks"] == [] and (body["total_active"], body["total_completed"]) == (2, 3)
    page = client.get("/users/me/tasks?include_completed=true&limit=2", headers=headers).get_json()
    assert [t["task_id"] for t in page["completed_tasks"]] == [ids[2], ids[1]]
    rest = client.get(f"/users/me/tasks?include_completed=true&limit=2&cursor={page['next_cursor']}",
                      headers=headers).get_json()
    assert [t["task_id"] for t in rest["completed_tasks"]] == [ids[0]] and rest["next_cursor"] is None
    problem(client.get("/users/me/tasks?limit=0", headers=headers), 400)
    assert client.get("/users/me/tasks", headers={"X-User-ID": "bob"}).get_json()["total_active"] == 0


def test_sync_times_out_with_the_task_id(tmp_path, redis_client):
    app = create_app(service_config(tmp_path, sync_timeout=0.2), redis=redis_client)
    response = app.test_client().post("/process/srt_media/sync", data=upload(), headers={"X-User-ID": "alice"})
    body = problem(response, 504)
    assert body["task_id"].startswith("alice:") and response.headers["Location"].endswith("/status")


def test_status_names_the_uploaded_files_and_summarizes_the_finished_run(client, store):
    form = upload(srt=srt_bytes())
    form["srt_file"] = (form["srt_file"][0], "<img src=x onerror=alert(1)>Episode 1\x07.srt")
    form["media_file"] = (form["media_file"][0], "../../Episode 1.wav")
    task_id = client.post("/process/srt_media/", data=form, headers={"X-User-ID": "alice"},
                          content_type="multipart/form-data").get_json()["task_id"]
    status = client.get(f"/tasks/{task_id}/status", headers={"X-User-ID": "alice"}).get_json()
    # Names are shown as sent, minus path parts and control characters; escaping is the page's job.
    assert (status["subtitles_name"], status["media_name"]) == ("<img src=x onerror=alert(1)>Episode 1.srt", "Episode 1.wav")
    assert status["subtitles_format"] == "srt"
    assert "summary" not in status and "media_duration" not in status
    run_task(store, task_id)
    status = client.get(f"/tasks/{task_id}/status", headers={"X-User-ID": "alice"}).get_json()
    assert status["media_duration"] == 3.9 and status["language"] == "en"
    assert status["summary"] == {"offset": 0.0, "ratio": 1.0, "cuts": [], "cues": 3, "cues_moved": 0,
                                 "cues_not_found": 0}
    listed = client.get("/users/me/tasks?include_completed=true", headers={"X-User-ID": "alice"}).get_json()
    assert listed["completed_tasks"][0]["subtitles_name"] == "<img src=x onerror=alert(1)>Episode 1.srt"
    srt = client.get(f"/tasks/{task_id}/result?format=subtitles", headers={"X-User-ID": "alice"})
    assert srt.content_type == "application/x-subrip"
    assert 'filename="<img src=x onerror=alert(1)>Episode 1.srt"' in srt.headers["Content-Disposition"] or \
        "filename*=" in srt.headers["Content-Disposition"]


def test_an_ass_upload_answers_ass_with_its_styles(client, store):
    ass = open(os.path.join(os.path.dirname(__file__), "data", "subtitles", "styled.ass"), "rb").read()
    form = upload(srt=ass)
    form["srt_file"] = (form["srt_file"][0], "styled.ass")
    task_id = client.post("/process/srt_media/", data=form, headers={"X-User-ID": "alice"},
                          content_type="multipart/form-data").get_json()["task_id"]
    assert run_task(store, task_id) == "completed"
    status = client.get(f"/tasks/{task_id}/status", headers={"X-User-ID": "alice"}).get_json()
    assert status["subtitles_format"] == "ass"
    response = client.get(f"/tasks/{task_id}/result?format=subtitles", headers={"X-User-ID": "alice"})
    text = response.get_data(as_text=True)
    assert response.content_type.startswith("text/x-ssa")
    assert "Style: Sign,Georgia,28" in text and "{\\pos(320,50)}A sign" in text
    assert "styled.ass" in response.headers["Content-Disposition"]
    as_srt = client.get(f"/tasks/{task_id}/result?format=srt", headers={"X-User-ID": "alice"})
    assert "Hello <i>there</i>," in as_srt.get_data(as_text=True)


def test_a_malformed_ass_upload_names_its_line(client):
    ass = open(os.path.join(os.path.dirname(__file__), "data", "subtitles", "styled.ass"), "rb").read()
    body = problem(submit(client, srt=ass + b"Dialogue: 0,0:00:0x.00,0:00:04.00,Sign,,0,0,0,,bad\n"), 400)
    assert body["line"] == 17 and body["detail"].startswith("Malformed ASS/SSA: line 17: bad timestamp")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_display_names_are_one_short_line_without_path_or_control_characters(filename):
    name = display_name(filename)
    assert len(name) <= 200 and "/" not in name and "\\" not in name
    assert not any(unicodedata.category(ch).startswith("C") for ch in name)
