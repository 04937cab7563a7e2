"""run_task, the RQ job body, with stand-in pipelines injected through the config."""
import json
import os
import sys

import pytest
from rq.timeouts import JobTimeoutException
from service_support import config, redis_client, service_config, srt_bytes, store, wav_bytes  # noqa: F401

from srtmedia.tasks.folders import create_task_folder
from srtmedia.tasks.store import TaskStore
from srtmedia.tasks.job import ProgressReporter, run_task


def new_task(store, first_text="Hello there."):
    task_id = "alice:00000000-0000-4000-8000-000000000001"
    store.admit(store.new_record(task_id))
    folder = create_task_folder(store.config.data_dir, task_id)
    with open(os.path.join(folder, "subtitles.srt"), "wb") as out:
        out.write(srt_bytes(first_text))
    with open(os.path.join(folder, "media"), "wb") as out:
        out.write(wav_bytes())
    return task_id


@pytest.fixture
def recorder(monkeypatch, redis_client, tmp_path):
    """A store whose pipeline is this module's ``fake_run``, which records its calls."""
    calls = []

    def fake_run(subtitles_path, media_path, options=None, progress=None, is_cancelled=None):
        calls.append((subtitles_path, media_path, options))
        return calls_behaviour[0](progress, is_cancelled)

    calls_behaviour = [lambda progress, is_cancelled: {"paragraphs": []}]
    monkeypatch.setattr(sys.modules[__name__], "fake_run", fake_run, raising=False)
    store = TaskStore(redis_client, service_config(tmp_path / "data", pipeline=f"{__name__}:fake_run"))
    return store, calls, calls_behaviour


def test_progress_maps_stages_onto_0_to_100(store):
    task_id = new_task(store)
    store.update(task_id, status="processing")
    report = ProgressReporter(store, task_id, min_interval=0)
    seen = []
    for stage, fraction in [("transcribing", 0.5), ("processing_llm", 0.0), ("processing_llm", 1.0),
                            ("aligning", 0.5), ("aligning", 1.0), ("transcribing", 1.0)]:
        report(stage, fraction, f"{stage} {fraction}")
        seen.append(store.get(task_id)["progress"])
    assert seen == [20, 40, 55, 77, 99, 99]


def test_completed_run_writes_the_result_file(recorder):
    store, calls, _ = recorder
    task_id = new_task(store)
    store.update(task_id, options={"text_engine": "builtin"})
    assert run_task(store, task_id) == "completed"
    subtitles_path, media_path, options = calls[0]
    assert subtitles_path.endswith("subtitles.srt") and media_path.endswith("media")
    assert options.text_engine == "builtin"
    task = store.get(task_id)
    with open(os.path.join(store.config.data_dir, task["result_path"])) as source:
        assert json.load(source) == {"paragraphs": []}
    assert store.quotas.global_count() == 0


def test_bad_input_fails_without_retry(store):
    task_id = new_task(store, "FAIL")
    assert run_task(store, task_id, retries_left=3) == "failed"
    task = store.get(task_id)
    assert task["error_code"] == "invalid_media" and "no audio" in task["error_message"]


def test_transient_faults_are_raised_for_retry_while_retries_remain(store):
    task_id = new_task(store, "FLAKY 5")
    with pytest.raises(ConnectionError):
        run_task(store, task_id, retries_left=1)
    assert store.get(task_id)["status"] == "pending" and store.quotas.global_count() == 1
    assert run_task(store, task_id, retries_left=0) == "failed"
    assert store.get(task_id)["error_code"] == "unavailable" and store.quotas.global_count() == 0


def test_a_task_whose_worker_died_runs_again_once_then_fails_with_the_reason(store):
    task_id = new_task(store)
    # What a run leaves behind when its worker is killed mid-stage: RQ then starts the job again.
    store.update(task_id, status="processing", stage="aligning", progress=72)
    assert run_task(store, task_id) == "completed"
    assert store.get(task_id)["reruns"] == 1
    second = new_task(store)
    store.update(second, status="processing", stage="aligning", progress=72, reruns=1)
    assert run_task(store, second) == "failed"
    task = store.get(second)
    assert task["error_code"] == "abandoned" and "while aligning (72%)" in task["error_message"]
    assert store.quotas.global_count() == 0


def test_bugs_fail_the_task_with_a_readable_message(store):
    task_id = new_task(store, "CRASH")
    assert run_task(store, task_id, retries_left=3) == "failed"
    assert "RuntimeError" in store.get(task_id)["error_message"]


def test_job_timeout_fails_the_task(recorder):
    store, _, behaviour = recorder

    def too_slow(progress, is_cancelled):
        raise JobTimeoutException("timed out")

    behaviour[0] = too_slow
    task_id = new_task(store)
    assert run_task(store, task_id) == "failed"
    assert store.get(task_id)["error_code"] == "timeout" and store.quotas.global_count() == 0


def test_cancellation_is_seen_between_steps(recorder):
    store, _, behaviour = recorder
    task_id = new_task(store)

    def cancelled_midway(progress, is_cancelled):
        progress("transcribing", 0.5, "half way")
        store.finish(task_id, "cancelled")  # what DELETE does
        import time
        time.sleep(0.3)  # the check reads the store at most every 0.25 s
        assert is_cancelled()
        from srtmedia.pipeline import Cancelled
        raise Cancelled()

    behaviour[0] = cancelled_midway
    assert run_task(store, task_id) == "cancelled"


def test_a_finished_task_is_not_run_again(recorder):
    store, calls, _ = recorder
    task_id = new_task(store)
    store.finish(task_id, "cancelled")
    assert run_task(store, task_id) == "cancelled" and calls == []


def test_a_late_completion_does_not_overwrite_a_final_state(recorder):
    store, _, behaviour = recorder
    task_id = new_task(store)

    def reaped_meanwhile(progress, is_cancelled):
        store.finish(task_id, "failed", error_message="The worker processing this task stopped.")
        return {"paragraphs": []}

    behaviour[0] = reaped_meanwhile
    assert run_task(store, task_id) == "failed"


def test_a_redis_outage_mid_run_loses_progress_writes_not_the_task(recorder, monkeypatch):
    """Redis unreachable for a while (a restart): the run goes on and its outcome is written when Redis is back."""
    import redis

    store, _, behaviour = recorder
    task_id = new_task(store)
    real_update, real_finish = store.update, store.finish
    outage = {"left": 0}

    def flaky(real):
        def call(*args, **kwargs):
            if outage["left"] > 0:
                outage["left"] -= 1
                raise redis.exceptions.ConnectionError("Connection refused")
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(store, "update", flaky(real_update))
    monkeypatch.setattr(store, "finish", flaky(real_finish))
    monkeypatch.setattr("srtmedia.tasks.job.time.sleep", lambda seconds: None)

    def pipeline(progress, is_cancelled):
        outage["left"] = 6  # Redis goes away mid-run: progress writes and the first finish attempts fail
        for step in range(3):
            progress("aligning", step / 3, "working")
            assert not is_cancelled()
        return {"paragraphs": []}

    behaviour[0] = pipeline
    assert run_task(store, task_id) == "completed"
    assert store.get(task_id)["progress"] == 100 and outage["left"] == 0
