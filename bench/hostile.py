"""Hostile media through the whole pipeline: time and memory until the clear error.

    python -m bench.hostile [--hours 3]

Each case runs ``srtmedia process`` in a child process (bench/methods.measure:
wall time, CPU time and the peak PSS of the child and its ffmpeg). Cases:

* ``silence``: ``--hours`` of digital silence as FLAC (about 0.4 MB an hour);
* ``bomb``: 7 hours of silence whose FLAC header hides the length (total
  samples zeroed), so the probe cannot refuse it and decoding must stop at
  the 6-hour limit (SRTMEDIA_MAX_MEDIA_DURATION);
* ``noise``: 30 minutes of faint noise, loud enough not to count as silent, in
  which VAD finds no voice;
* ``text``: a text file named .mp4.
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.methods import measure
from srtmedia.pipeline.audio.media import ffmpeg_exe

SUBTITLES = "1\n00:00:01,000 --> 00:00:03,000\nHello and welcome to the talk.\n"


def _ffmpeg(*args):
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *map(str, args)], check=True)


def hide_flac_length(path):
    """Zero the 36-bit total-samples field of a FLAC file's STREAMINFO."""
    data = bytearray(path.read_bytes())
    data[8 + 13] &= 0xF0
    data[8 + 14:8 + 18] = b"\0\0\0\0"
    path.write_bytes(bytes(data))


def make_cases(folder, hours):
    silence = folder / "silence.flac"
    _ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", int(hours * 3600), "-c:a", "flac", silence)
    bomb = folder / "bomb.flac"
    _ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", 7 * 3600, "-c:a", "flac", bomb)
    hide_flac_length(bomb)
    noise = folder / "noise.flac"
    _ffmpeg("-f", "lavfi", "-i", "anoisesrc=r=16000:a=0.003:d=1800:seed=7", "-c:a", "flac", noise)
    text = folder / "notes.mp4"
    text.write_text("these are meeting notes, not a video\n" * 200)
    return {"silence": silence, "bomb": bomb, "noise": noise, "text": text}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=3.0, help="length of the silence case")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="srtmedia-hostile-") as tmp:
        folder = Path(tmp)
        subtitles = folder / "talk.srt"
        subtitles.write_text(SUBTITLES)
        print(f"{'case':8} {'file':>9} {'exit':>4} {'wall':>7} {'cpu':>7} {'peak PSS':>9}  error")
        for name, media in make_cases(folder, args.hours).items():
            cmd = [sys.executable, "-m", "srtmedia.cli", "process", str(subtitles), str(media),
                   "-o", str(folder / f"{name}.json")]
            code, wall, cpu, peak, tail, _ = measure(cmd, timeout=1800)
            reason = tail.strip().splitlines()[-1] if tail.strip() else ""
            print(f"{name:8} {media.stat().st_size / 2**20:7.1f}MB {code!s:>4} {wall:6.1f}s {cpu:6.1f}s "
                  f"{peak:7.0f}MB  {reason[:150]}")


if __name__ == "__main__":
    main()
