"""Media probing and decoding: good files, and files that must fail clearly."""
import subprocess

import numpy as np
import pytest

from srtmedia.pipeline.errors import LimitExceeded, MediaError
from srtmedia.pipeline.media import SAMPLE_RATE, decode_audio, ffmpeg_exe, probe


def _ffmpeg(*args):
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *map(str, args)], check=True)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("media")
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=3", "-f", "lavfi", "-i",
            "testsrc=duration=3:size=64x48:rate=10", "-shortest", "-c:a", "aac", "-c:v", "mpeg4",
            d / "clip.mp4")
    _ffmpeg("-f", "lavfi", "-i", "testsrc=duration=2:size=64x48:rate=10", "-c:v", "mpeg4", d / "mute.mp4")
    _ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "5", d / "silence.wav")
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=4", "-c:a", "libmp3lame", d / "tone.mp3")
    (d / "notes.mp4").write_text("this is a text file renamed to .mp4\n" * 20)
    (d / "empty.mkv").write_bytes(b"")
    data = (d / "clip.mp4").read_bytes()
    (d / "truncated.mp4").write_bytes(data[: len(data) // 3])
    return d


def test_probe_describes_streams(media):
    info = probe(str(media / "clip.mp4"))
    assert info["duration"] == pytest.approx(3.0, abs=0.1)
    kinds = {s["type"]: s for s in info["streams"]}
    assert kinds["audio"]["codec"] == "aac" and kinds["audio"]["sample_rate"] > 0
    assert kinds["video"]["width"] == 64


def test_decode_gives_16k_mono(media):
    audio = decode_audio(str(media / "tone.mp3"))
    assert audio.dtype == np.float32
    assert len(audio) / SAMPLE_RATE == pytest.approx(4.0, abs=0.1)
    assert 0.1 < np.abs(audio).max() <= 1.0


@pytest.mark.parametrize("name, message", [
    ("notes.mp4", "not a media file"),
    ("empty.mkv", "empty"),
    ("mute.mp4", "no audio stream"),
])
def test_probe_refuses_what_is_not_usable_media(media, name, message):
    with pytest.raises(MediaError, match=message):
        probe(str(media / name))


def test_truncated_file_fails_clearly(media):
    with pytest.raises(MediaError):
        probe(str(media / "truncated.mp4"))
        decode_audio(str(media / "truncated.mp4"))


def test_silent_audio_is_refused(media):
    with pytest.raises(MediaError, match="silent"):
        decode_audio(str(media / "silence.wav"))


def test_duration_limit_bounds_decoding(media):
    with pytest.raises(LimitExceeded, match="longer than the limit"):
        decode_audio(str(media / "tone.mp3"), max_duration=2)
