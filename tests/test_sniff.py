"""Media recognition from first bytes."""
import pytest
from service_support import wav_bytes

from srtmedia.api.sniff import estimate_duration, media_kind


@pytest.mark.parametrize("head, kind", [
    (b"\x00\x00\x00\x20ftypisom" + b"\x00" * 20, "mp4"),
    (b"\x1a\x45\xdf\xa3" + b"\x00" * 20, "matroska"),
    (wav_bytes(0.01), "wav"),
    (b"OggS\x00\x02" + b"\x00" * 20, "ogg"),
    (b"fLaC\x00\x00\x00\x22", "flac"),
    (b"ID3\x04\x00", "mp3"),
    (b"\xff\xfb\x90\x64" + b"\x00" * 20, "mpeg-audio"),
    (b"\xff\xf1\x50\x80" + b"\x00" * 20, "mpeg-audio"),
    ((b"\x47" + b"\x00" * 187) * 3, "mpeg-ts"),
])
def test_known_containers(head, kind):
    assert media_kind(head) == kind


@pytest.mark.parametrize("head", [b"1\n00:00:01,000 --> 00:00:02,000\nHi\n", b"<html>", b"%PDF-1.7", b"", b"\xff"])
def test_text_and_other_files_are_not_media(head):
    assert media_kind(head) is None


def test_duration_is_exact_for_wav_and_guessed_otherwise():
    wav = wav_bytes(seconds=2.0, rate=8000)
    assert estimate_duration(wav[:64], len(wav), 16_000) == pytest.approx(2.0)
    assert estimate_duration(b"\x1a\x45\xdf\xa3", 160_000, 16_000) == 10.0
