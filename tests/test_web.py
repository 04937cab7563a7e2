"""The web page's server side: / and GET /tasks/<id>/media."""
from service_support import app, client, config, redis_client, store, submit, wav_bytes  # noqa: F401


def test_page_is_served_with_its_scripts(client):
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "https://" not in html and "http://" not in html
    assert "/static/app.js" in html and "/static/app.css" in html
    script = client.get("/static/app.js").get_data(as_text=True)
    assert '"/static/srtmedia-client.js"' in script and '"/static/viewer.js"' in script
    for asset in ("/static/app.css", "/static/srtmedia-client.js", "/static/viewer.js"):
        assert client.get(asset).status_code == 200, asset


def test_media_is_served_to_its_owner_with_ranges(client):
    task_id = submit(client).get_json()["task_id"]
    whole = client.get(f"/tasks/{task_id}/media", headers={"X-User-ID": "alice"})
    assert whole.status_code == 200 and whole.mimetype == "audio/wav"
    assert whole.data == wav_bytes() and whole.headers["Accept-Ranges"] == "bytes"
    part = client.get(f"/tasks/{task_id}/media", headers={"X-User-ID": "alice", "Range": "bytes=4-11"})
    assert part.status_code == 206 and part.data == wav_bytes()[4:12]
    assert part.headers["Content-Range"] == f"bytes 4-11/{len(wav_bytes())}"


def test_media_errors_are_problems(client):
    task_id = submit(client).get_json()["task_id"]
    url = f"/tasks/{task_id}/media"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"X-User-ID": "bob"}).status_code == 403
    beyond = client.get(url, headers={"X-User-ID": "alice", "Range": "bytes=99999-"})
    assert beyond.status_code == 416 and beyond.content_type == "application/problem+json"


def test_media_of_a_deleted_task_is_gone(client, store):
    task_id = submit(client).get_json()["task_id"]
    store.finish(task_id, "completed", message="done")
    assert client.delete(f"/tasks/{task_id}", headers={"X-User-ID": "alice"}).status_code == 200
    gone = client.get(f"/tasks/{task_id}/media", headers={"X-User-ID": "alice"})
    assert gone.status_code == 410 and gone.content_type == "application/problem+json"


def test_media_players_may_name_the_user_in_the_query(client):
    task_id = submit(client).get_json()["task_id"]
    assert client.get(f"/tasks/{task_id}/media?user_id=alice").status_code == 200
    assert client.get(f"/tasks/{task_id}/media?user_id=bob").status_code == 403
