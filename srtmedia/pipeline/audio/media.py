"""Media files: what is inside them, and their audio as 16 kHz mono samples.

Probing uses PyAV (FFmpeg's libraries, already a faster-whisper dependency);
decoding pipes through the ffmpeg binary that imageio-ffmpeg ships, in a child
process, so a hostile file can only cost a bounded subprocess, never this one.
"""
import os
import subprocess
import tempfile
import threading

import numpy as np

from srtmedia.pipeline.errors import LimitExceeded, MediaError

SAMPLE_RATE = 16000
# Peak below this (about -60 dBFS) over the whole file means there is nothing to hear.
SILENCE_PEAK = 0.001
_BLOCK_BYTES = 2 * SAMPLE_RATE * 10  # ten seconds of 16-bit mono


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


def decode_audio(path, max_duration=None, timeout=None, expected_duration=None, on_samples=None):
    """Decode the first audio stream of ``path`` to 16 kHz mono 16-bit samples (``as_float`` reads them).

    Samples stay 16-bit, as ffmpeg gives them: two hours are 230 MB, not the
    460 MB of floats, and each step converts only the stretch it works on.

    ``max_duration`` stops decoding past that many seconds and raises
    LimitExceeded, which also bounds what a decompression bomb can cost.
    ``expected_duration`` (the probed length) sizes the buffer up front.
    ``on_samples(buffer, filled)`` is called as samples arrive, so a step
    such as speech detection can work on the start while the rest decodes.
    """
    # ffmpeg 7+ hands every decoded frame from thread to thread (a frame of
    # AAC is 21 ms), and in a VM the locking costs more than the decoding.
    # Regrouped into one-second frames after resampling, the same samples
    # come out a third sooner (2 h of AAC: 27.7 s -> 18.3 s, 30 min: 9.8 -> 5.2 s).
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error", "-i", path,
           "-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", "1",
           "-af", f"aresample={SAMPLE_RATE},asetnsamples=n={SAMPLE_RATE}:p=0",
           "-f", "s16le", "-acodec", "pcm_s16le"]
    if max_duration:
        # one second past the limit tells "too long" apart from "exactly at the limit"
        cmd += ["-t", str(max_duration + 1)]
    cmd.append("-")
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            proc.kill()

        killer = threading.Timer(timeout, kill) if timeout else None
        if killer:
            killer.start()
        try:
            audio, peak = _read_samples(proc.stdout, expected_duration, max_duration, on_samples)
        except BaseException:  # e.g. MemoryError or a job timeout: ffmpeg must not outlive us
            proc.kill()
            raise
        finally:
            if killer:
                killer.cancel()
            proc.stdout.close()
            returncode = proc.wait()
        if timed_out.is_set():
            raise MediaError(f"decoding the audio took longer than {timeout:g} s")
        stderr.seek(0)
        reason = stderr.read(64 * 1024).decode("utf-8", "replace").strip().splitlines()
    if returncode != 0 and audio.size == 0:
        raise MediaError("the audio could not be decoded"
                         + (f" ({reason[-1].split('] ', 1)[-1][:160]})" if reason else ""))
    if max_duration and audio.size > max_duration * SAMPLE_RATE:
        raise LimitExceeded(f"the media is longer than the limit of {_clock(max_duration)}")
    if audio.size < SAMPLE_RATE // 10:
        raise MediaError("the media has no audio to process (zero-length or truncated)")
    if peak < SILENCE_PEAK:
        raise MediaError(f"the audio is silent ({_clock(audio.size / SAMPLE_RATE)} without a "
                         "sound): there is no speech to align the subtitles to")
    return audio


def _read_samples(stream, expected_duration, max_duration, on_samples=None):
    """Read s16le samples from ``stream`` into one int16 array; return it and its peak (0-1).

    Blocks are copied into a buffer sized from the probed duration, so memory
    stays at 2 bytes a sample (joining the pipe's blocks would double it).
    The buffer may move when it grows: ``on_samples`` must copy what it keeps.
    """
    cap = int((max_duration + 1) * SAMPLE_RATE) if max_duration else None
    size = int(((expected_duration or 60.0) + 1) * SAMPLE_RATE)
    buffer = np.empty(min(size, cap) if cap else size, dtype=np.int16)
    filled, peak, carry = 0, 0, b""
    while block := stream.read(_BLOCK_BYTES):
        block = carry + block
        usable = len(block) - len(block) % 2
        carry = block[usable:]
        samples = np.frombuffer(block, dtype=np.int16, count=usable // 2)
        needed = filled + samples.size
        if needed > buffer.size:  # the probe was short (or lied): grow by half, never past the limit
            grown = max(needed, buffer.size * 3 // 2)
            buffer.resize(max(needed, min(grown, cap)) if cap else grown, refcheck=False)
        buffer[filled:needed] = samples
        filled = needed
        if samples.size:
            peak = max(peak, int(samples.max()), -int(samples.min()))
        if on_samples:
            on_samples(buffer, filled)
    buffer.resize(filled, refcheck=False)
    return buffer, peak / 32768.0


def as_float(samples):
    """``samples`` as float32 in [-1, 1]: 16-bit ones scaled, float ones as they are."""
    if samples.dtype == np.int16:
        return samples.astype(np.float32) * np.float32(1.0 / 32768.0)
    return np.asarray(samples, dtype=np.float32)


def _clock(seconds):
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
