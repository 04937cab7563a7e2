"""Shared helpers for the service tests: sample uploads and an app on fakeredis."""
import io
import struct

import fakeredis
import pytest

from srtmedia.app import create_app
from srtmedia.config import Config
from srtmedia.tasks.queue import TaskQueue
from srtmedia.tasks.store import TaskStore

PIPELINE = "service_pipelines:scripted"


def srt_bytes(first_text="Hello there.", cues=3):
    blocks = [f"1\n00:00:01,000 --> 00:00:02,000\n{first_text}\n"]
    for n in range(2, cues + 1):
        blocks.append(f"{n}\n00:00:{n:02d},000 --> 00:00:{n:02d},900\nLine number {n}.\n")
    return "\n".join(blocks).encode()


def wav_bytes(seconds=1.0, rate=8000):
    """A silent 16-bit mono PCM WAV file."""
    data = b"\x00\x00" * int(seconds * rate)
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE" + b"fmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(data))
    return header + data


def upload(srt=None, media=None, **fields):
    """A multipart form for the test client."""
    form = {"srt_file": (io.BytesIO(srt if srt is not None else srt_bytes()), "in.srt"),
            "media_file": (io.BytesIO(media if media is not None else wav_bytes()), "in.wav")}
    form.update(fields)
    return form


def service_config(data_dir, **overrides):
    values = {"data_dir": str(data_dir), "pipeline": PIPELINE, "redis_url": "redis://unused:1/0",
              "job_retries": 0, "heartbeat_ttl": 2, "upload_grace": 60}
    values.update(overrides)
    return Config.from_env(environ={}, **values)


@pytest.fixture
def redis_client():
    return fakeredis.FakeRedis()


@pytest.fixture
def config(tmp_path):
    return service_config(tmp_path / "data")


@pytest.fixture
def store(redis_client, config):
    return TaskStore(redis_client, config)


@pytest.fixture
def task_queue(redis_client, config):
    return TaskQueue(redis_client, config)


@pytest.fixture
def app(config, redis_client):
    return create_app(config, redis=redis_client)


@pytest.fixture
def client(app):
    return app.test_client()


def submit(client, user="alice", headers=None, **form):
    headers = {"X-User-ID": user, **(headers or {})} if user else dict(headers or {})
    return client.post("/process/srt_media/", data=upload(**form), headers=headers,
                       content_type="multipart/form-data")
