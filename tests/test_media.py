"""Media probing and decoding: good files, and files that must fail clearly."""
import subprocess

import numpy as np
import pytest

from srtmedia.pipeline.errors import LimitExceeded, MediaError
from srtmedia.pipeline.audio.media import SAMPLE_RATE, as_float, decode_audio, ffmpeg_exe, probe


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
    assert audio.dtype == np.int16   # 2 bytes a sample: two hours of media are 230 MB
    assert len(audio) / SAMPLE_RATE == pytest.approx(4.0, abs=0.1)
    assert 0.1 < np.abs(as_float(audio)).max() <= 1.0


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


def _flac_streaminfo_total_samples_zeroed(path):
    """Make a FLAC header say "length unknown", as a crafted file would to dodge the probe."""
    data = bytearray(path.read_bytes())
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0  # first block is STREAMINFO
    info = 8  # after "fLaC" and the block header
    data[info + 13] &= 0xF0  # the top 4 of the 36 total-samples bits share a byte with bps
    data[info + 14:info + 18] = b"\0\0\0\0"
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def two_hours_of_silence(tmp_path_factory):
    path = tmp_path_factory.mktemp("bomb") / "silence.flac"
    _ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", 7200, "-c:a", "flac", path)
    return path


def test_hours_of_silence_are_refused_as_silent(two_hours_of_silence):
    # About 1 MB on disk that decodes to 2 hours (230 MB of 16 kHz samples).
    assert two_hours_of_silence.stat().st_size < 2_000_000
    with pytest.raises(MediaError, match=r"silent \(2:00:00 without a sound\)"):
        decode_audio(str(two_hours_of_silence), max_duration=6 * 3600, expected_duration=7200)


def test_a_bomb_whose_header_hides_its_length_stops_at_the_limit(two_hours_of_silence, tmp_path):
    bomb = tmp_path / "bomb.flac"
    bomb.write_bytes(two_hours_of_silence.read_bytes())
    _flac_streaminfo_total_samples_zeroed(bomb)
    assert not probe(str(bomb))["duration"] or probe(str(bomb))["duration"] < 7200
    with pytest.raises(LimitExceeded, match=r"longer than the limit of 0:10:00"):
        decode_audio(str(bomb), max_duration=600, expected_duration=probe(str(bomb))["duration"])


def test_decoding_is_stopped_when_it_takes_too_long(two_hours_of_silence):
    with pytest.raises(MediaError, match="took longer than 0.2 s"):
        decode_audio(str(two_hours_of_silence), timeout=0.2)


def test_audio_without_a_voice_fails_the_run_clearly(tmp_path):
    from srtmedia.pipeline import Options, run

    noise = tmp_path / "room.flac"
    _ffmpeg("-f", "lavfi", "-i", "anoisesrc=r=16000:a=0.003:d=60:seed=7", "-c:a", "flac", noise)
    subs = tmp_path / "talk.srt"
    subs.write_text("1\n00:00:01,000 --> 00:00:03,000\nHello and welcome.\n")
    with pytest.raises(MediaError, match=r"no speech was found in the media \(60 s of audio"):
        run(str(subs), str(noise), Options(threads=2))


def test_speech_detection_on_long_audio_stops_on_cancel():
    from srtmedia.pipeline import Cancelled
    from srtmedia.pipeline.audio.speech import detect_speech

    polls = []

    def cancelled():
        polls.append(1)
        return len(polls) > 2

    hour = np.zeros(3600 * SAMPLE_RATE, np.float32)
    with pytest.raises(Cancelled):
        detect_speech(hour, cancelled, block=600)
    assert len(polls) == 3  # stopped after two of six blocks


def test_speech_detected_while_the_audio_decodes_is_the_speech_detected_after():
    from pathlib import Path

    from srtmedia.pipeline.audio.speech import SpeechDetector, detect_speech

    reading = str(Path(__file__).parent / "data" / "speech" / "librivox_austen.mp3")
    # 5 s blocks, and a probe that says 1 s so the decoder's buffer grows (and moves) on the way
    with SpeechDetector(threads=2, block=5.0) as detector:
        audio = decode_audio(reading, expected_duration=1.0, on_samples=detector.feed)
        streamed = detector.regions(audio)
    assert len(streamed) >= 3 and streamed[-1][1] > 20   # 25 s of reading, pauses between lines
    assert streamed == detect_speech(audio, block=5.0)
