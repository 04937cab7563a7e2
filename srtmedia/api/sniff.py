"""Cheap media checks from a file's first bytes: is it plausibly audio or video, and how long."""

HEAD_BYTES = 4096


def _is_mpeg_ts(head):
    # Transport streams repeat a 0x47 sync byte every 188 bytes.
    return len(head) >= 188 * 3 and all(head[i] == 0x47 for i in (0, 188, 376))


def _is_mpeg_audio(head):
    # An MPEG audio frame starts with 11 sync bits; ADTS (AAC) with 12 and layer 00.
    if len(head) < 2 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    if head[1] & 0xF6 == 0xF0:
        return True
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    return version != 1 and layer != 0


_SIGNATURES = (
    ("mp4", lambda h: h[4:8] == b"ftyp"),
    ("mov", lambda h: h[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip")),
    ("matroska", lambda h: h[:4] == b"\x1a\x45\xdf\xa3"),
    ("wav", lambda h: h[:4] in (b"RIFF", b"RF64") and h[8:12] == b"WAVE"),
    ("avi", lambda h: h[:4] == b"RIFF" and h[8:12] == b"AVI "),
    ("ogg", lambda h: h[:4] == b"OggS"),
    ("flac", lambda h: h[:4] == b"fLaC"),
    ("mp3", lambda h: h[:3] == b"ID3"),
    ("aiff", lambda h: h[:4] == b"FORM" and h[8:12] in (b"AIFF", b"AIFC")),
    ("asf", lambda h: h[:16] == bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")),
    ("flv", lambda h: h[:3] == b"FLV"),
    ("mpeg-ps", lambda h: h[:4] == b"\x00\x00\x01\xba"),
    ("amr", lambda h: h[:5] == b"#!AMR"),
    ("caf", lambda h: h[:4] == b"caff"),
    ("au", lambda h: h[:4] == b".snd"),
    ("mpeg-ts", _is_mpeg_ts),
    ("mpeg-audio", _is_mpeg_audio),
)


def media_kind(head):
    """The container or codec name ``head`` starts like, or None when it looks like no media."""
    for name, matches in _SIGNATURES:
        if matches(head):
            return name
    return None


def estimate_duration(head, size, assumed_bytes_per_second):
    """Seconds of media: exact for PCM WAV, else ``size`` at an assumed (low) bitrate."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE" and head[12:16] == b"fmt ":
        byte_rate = int.from_bytes(head[28:32], "little")
        if byte_rate > 0:
            return max(size - 44, 0) / byte_rate
    return size / assumed_bytes_per_second
