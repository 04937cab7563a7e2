"""The srtmedia command as a user runs it."""
import json
import os
import re
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


@pytest.mark.slow
def test_process_draws_the_chart_and_prints_what_changed(speech, tmp_path):
    subs = tmp_path / "in.srt"
    subs.write_text(srt_text([(s + 3, e + 3, t) for s, e, t in speech["truth"]]))
    done = _srtmedia("process", subs, speech["wav"], "-o", tmp_path / "out.vtt", "--plot", tmp_path / "t.png")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"
    lines = done.stderr.strip().splitlines()
    assert lines[0].endswith(f"-> {tmp_path / 'out.vtt'}, {tmp_path / 't.png'}")
    offset = re.search(r"offset ([-+][0-9.]+) s, speed ratio [01]\.[0-9]{4}$", done.stderr, re.M)
    assert offset and float(offset.group(1)) == pytest.approx(-3.0, abs=0.15), done.stderr
    n = len(speech["truth"])
    assert f"srtmedia: cues: {n}, moved {n} (by 0.1 s or more), not found in the audio 0" in lines
    assert re.search(r"^srtmedia: media 0:\d\d\.\d, language en, took \d+\.\d s$", done.stderr, re.M)


def test_an_ass_file_comes_back_as_ass_with_format_subtitles(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import srtmedia.pipeline
    from srtmedia.cli import main
    from srtmedia.pipeline.text.subtitles import read_subtitles

    def shifted_run(subtitles, media, options=None, progress=None):
        cues = read_subtitles(subtitles)
        return {"paragraphs": [], "warnings": [], "timing": {"offset": 0.5, "ratio": 1.0, "segments": []},
                "cues": [{"index": c.index, "start": c.start + 0.5, "end": c.end + 0.5, "text": c.text,
                          "original_start": c.start, "original_end": c.end, "found": True} for c in cues]}

    monkeypatch.setattr(srtmedia.pipeline, "run", shifted_run)
    (tmp_path / "in.wav").write_bytes(b"RIFF")
    source = os.path.join(os.path.dirname(__file__), "data", "subtitles", "styled.ass")
    out = tmp_path / "fixed"
    done = CliRunner().invoke(main, ["process", source, str(tmp_path / "in.wav"), "-o", str(out), "-f", "subtitles",
                                     "--plot", str(tmp_path / "t.svg")])
    assert done.exit_code == 0, done.output
    text = out.read_text()
    assert "Style: Sign,Georgia,28" in text and "Dialogue: 0,0:00:03.50,0:00:04.50,Sign" in text
    assert "srtmedia: cues: 2, moved 2 (by 0.1 s or more), not found in the audio 0" in done.output
    assert (tmp_path / "t.svg").read_text().startswith("<svg")
