"""The srtmedia command as a user runs it."""
import json
import subprocess
import sys

import pytest

from conftest import srt_text


def _srtmedia(*args):
    return subprocess.run([sys.executable, "-m", "srtmedia.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize("ext", ["json", "srt", "vtt", "txt", "md"])
def test_process_writes_the_format_of_the_extension(speech, tmp_path, ext):
    subs = tmp_path / "in.srt"
    subs.write_text(srt_text([(s + 3, e + 3, t) for s, e, t in speech["truth"]]))
    out = tmp_path / f"out.{ext}"
    done = _srtmedia("process", subs, speech["wav"], "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    if ext == "json":
        assert json.loads(text)["cues"][0]["start"] == pytest.approx(speech["truth"][0][0], abs=0.1)
    elif ext == "srt":
        assert text.startswith("1\n00:00:01,0") or text.startswith("1\n00:00:00,9")
    elif ext == "vtt":
        assert text.startswith("WEBVTT")
    elif ext == "md":
        assert "[00:01]" in text
    else:
        assert "Good morning everyone" in text


def test_malformed_srt_is_one_line_error_naming_the_line(tmp_path):
    subs = tmp_path / "bad.srt"
    subs.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 -> 00:00:04,000\nWorld\n")
    media = tmp_path / "a.wav"
    media.write_bytes(b"RIFF")
    done = _srtmedia("process", subs, media, "-o", tmp_path / "out.json")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "line 6" in done.stderr
    assert not (tmp_path / "out.json").exists()


def test_media_that_is_not_media_fails_with_a_reason(tmp_path):
    subs = tmp_path / "ok.srt"
    subs.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello there\n")
    media = tmp_path / "talk.mp4"
    media.write_text("not a video at all\n" * 50)
    done = _srtmedia("process", subs, media, "-o", tmp_path / "out.json", "-q")
    assert done.returncode == 2
    assert done.stderr.startswith("srtmedia: error:") and "media" in done.stderr


def test_unknown_output_extension_is_refused(tmp_path):
    done = _srtmedia("process", "a.srt", "b.mp4", "-o", tmp_path / "out.docx")
    assert done.returncode == 2 and ".json" in done.stderr


def test_help_documents_every_option():
    done = _srtmedia("process", "--help")
    for option in ("--output", "--format", "--quiet", "--text-engine", "--whisper-model",
                   "--no-word-timing", "--max-cues", "--max-duration", "--threads"):
        assert option in done.stdout


@pytest.mark.parametrize("failure", [IndexError("Out of bounds on buffer access (axis 0)"),
                                     RuntimeError("decoder\nbroke"), MemoryError()])
def test_any_failure_is_one_line_and_a_nonzero_exit(tmp_path, monkeypatch, failure):
    from click.testing import CliRunner

    import srtmedia.pipeline
    from srtmedia.cli import main

    def broken_run(*args, **kwargs):
        raise failure

    monkeypatch.setattr(srtmedia.pipeline, "run", broken_run)
    (tmp_path / "in.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHello there\n")
    (tmp_path / "in.wav").write_bytes(b"RIFF")
    args = ["process", str(tmp_path / "in.srt"), str(tmp_path / "in.wav"), "-o", str(tmp_path / "out.json")]
    done = CliRunner().invoke(main, args)
    assert done.exit_code not in (0, None)
    lines = done.output.strip().splitlines()  # stdout and stderr together
    assert len(lines) == 1 and lines[0].startswith("srtmedia: error:"), done.output
    assert "Traceback" not in done.output and type(failure).__name__ in lines[0]
    assert not (tmp_path / "out.json").exists()
    debugged = CliRunner().invoke(main, args + ["--debug"])
    assert debugged.exit_code not in (0, None) and isinstance(debugged.exception, type(failure))
