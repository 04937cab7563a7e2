"""Media files: what is inside them, and their audio as 16 kHz mono samples.

Probing uses PyAV (FFmpeg's libraries, already a faster-whisper dependency);
decoding pipes through the ffmpeg binary that imageio-ffmpeg ships, in a child
process, so a hostile file can only cost a bounded subprocess, never this one.
"""
import os
import subprocess

import numpy as np

from srtmedia.pipeline.errors import LimitExceeded, MediaError

SAMPLE_RATE = 16000
# Peak below this (about -60 dBFS) over the whole file means there is nothing to hear.
SILENCE_PEAK = 0.001


def ffmpeg_exe():
    """Path of the ffmpeg binary: $SRTMEDIA_FFMPEG, else the one imageio-ffmpeg ships."""
    configured = os.environ.get("SRTMEDIA_FFMPEG")
    if configured:
        return configured
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def probe(path):
    """Describe ``path``: duration, container format and streams.

    Raises MediaError when the file is not media or has no audio stream.
    """
    import av

    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        raise MediaError("the media file is empty")
    try:
        with av.open(path, metadata_errors="ignore") as container:
            streams = [_describe_stream(s) for s in container.streams]
            duration = _container_duration(container)
            fmt = container.format.name
    except av.error.FFmpegError as exc:
        raise MediaError(f"not a media file FFmpeg can read ({_short(exc)})") from None
    if not any(s["type"] == "audio" for s in streams):
        raise MediaError("the media file has no audio stream")
    return {"duration": duration, "format": fmt, "streams": streams, "size": os.path.getsize(path)}


def _container_duration(container):
    if container.duration:
        return round(container.duration / 1_000_000, 3)
    for stream in container.streams.audio:
        if stream.duration and stream.time_base:
            return round(float(stream.duration * stream.time_base), 3)
    return None


def _describe_stream(stream):
    info = {"index": stream.index, "type": stream.type}
    ctx = stream.codec_context
    info["codec"] = ctx.name if ctx else None
    if stream.type == "audio":
        info["sample_rate"] = ctx.sample_rate
        info["channels"] = ctx.channels
    elif stream.type == "video":
        info["width"], info["height"] = ctx.width, ctx.height
        if stream.average_rate:
            info["fps"] = round(float(stream.average_rate), 3)
    if stream.language:
        info["language"] = stream.language
    return info


def _short(exc):
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.split("] ", 1)[-1][:160]


def decode_audio(path, max_duration=None, timeout=None):
    """Decode the first audio stream of ``path`` to 16 kHz mono float32 in [-1, 1].

    ``max_duration`` stops decoding past that many seconds and raises
    LimitExceeded, which also bounds what a decompression bomb can cost.
    """
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error", "-i", path,
           "-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", "1", "-ar", str(SAMPLE_RATE),
           "-f", "s16le", "-acodec", "pcm_s16le"]
    if max_duration:
        # one second past the limit tells "too long" apart from "exactly at the limit"
        cmd += ["-t", str(max_duration + 1)]
    cmd.append("-")
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise MediaError(f"decoding the audio took longer than {timeout:.0f} s") from None
    samples = np.frombuffer(proc.stdout, dtype=np.int16)
    if proc.returncode != 0 and samples.size == 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise MediaError("the audio could not be decoded"
                         + (f" ({reason[-1].split('] ', 1)[-1][:160]})" if reason else ""))
    if max_duration and samples.size > max_duration * SAMPLE_RATE:
        raise LimitExceeded(f"the media is longer than the limit of {_clock(max_duration)}")
    if samples.size < SAMPLE_RATE // 10:
        raise MediaError("the media has no audio to process (zero-length or truncated)")
    audio = samples.astype(np.float32) / 32768.0
    if float(np.max(np.abs(audio))) < SILENCE_PEAK:
        raise MediaError("the audio is silent: there is no speech to align the subtitles to")
    return audio


def _clock(seconds):
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
