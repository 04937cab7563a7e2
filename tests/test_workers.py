"""How `srtmedia serve` shares the cores among its pipeline workers."""
import os

from srtmedia.serve import Server


def test_cores_are_shared_out_among_pipeline_workers(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    default = Server(tmp_path, environ={})
    assert (default.worker_count, default.threads) == (4, 2)
    assert Server(tmp_path, workers=1, environ={}).threads == 8
    assert Server(tmp_path, workers=16, environ={}).threads == 1
    # What the worker processes are told.
    assert Server(tmp_path, workers=2, environ={}).child_environ()["SRTMEDIA_THREADS"] == "4"


def test_a_configured_thread_count_wins(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert Server(tmp_path, workers=2, environ={"SRTMEDIA_THREADS": "2"}).threads == 2
    assert Server(tmp_path, workers=1, environ={"SRTMEDIA_THREADS": "0"}).threads == 2
    assert Server(tmp_path, environ={}).worker_count == 1
