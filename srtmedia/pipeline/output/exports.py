"""The result dict rendered as a downloadable file: JSON, SRT, WebVTT, ASS, SSA, text or Markdown."""
import json
import os
import re

from srtmedia.pipeline.output import substation
from srtmedia.pipeline.text.subtitles import format_srt, format_vtt

FORMATS = ("json", "srt", "vtt", "ass", "ssa", "txt", "md")
SUBTITLE_FORMATS = ("srt", "vtt", "ass", "ssa")

CONTENT_TYPES = {
    "json": "application/json",
    "srt": "application/x-subrip",
    "vtt": "text/vtt; charset=utf-8",
    "ass": "text/x-ssa; charset=utf-8",
    "ssa": "text/x-ssa; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}

EXTENSIONS = {fmt: f".{fmt}" for fmt in FORMATS}

# Other names people use for the same formats, in file names or by hand.
_ALIASES = {"webvtt": "vtt", "text": "txt", "markdown": "md"}

# A sentence made only of sound tags: "[MUSIC]", "(laughs)", "♪ ♪".
_SOUND_ONLY = re.compile(r"\s*(?:(?:\[[^\]]*\]|\([^)]*\)|[♪♫])\s*)+")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_<])")


def export(result, fmt, original=None):
    """``result`` (see docs/pipeline.md) as the text of a ``fmt`` file.

    ``original`` is the text of the uploaded subtitles. When it is an ASS/SSA
    script, subtitle formats are that script retimed, so ASS keeps its styles
    and positions; otherwise the cues are written afresh.
    Raises ValueError for a format not in FORMATS.
    """
    fmt = _known(fmt)
    if fmt == "json":
        return json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    if fmt in SUBTITLE_FORMATS:
        return _subtitles(result.get("cues", []), fmt, original)
    if fmt == "txt":
        texts = [p.get("text", "").strip() for p in result.get("paragraphs", [])]
        texts = [text for text in texts if text]
        return "\n\n".join(texts) + "\n" if texts else ""
    return _markdown(result)


def _subtitles(cues, fmt, original):
    if original is not None and substation.is_substation(original):
        return substation.retime(original, cues, fmt)
    if fmt == "srt":
        return format_srt(cues)
    if fmt == "vtt":
        return format_vtt(cues)
    return substation.convert(format_srt(cues), fmt)


def format_for_path(path, explicit=None):
    """The export format for writing ``path``: ``explicit`` when given, else its extension.

    Raises ValueError naming the formats on offer when neither is one of them.
    """
    if explicit:
        return _known(explicit)
    ext = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
    ext = _ALIASES.get(ext, ext)
    if ext not in FORMATS:
        names = ", ".join(EXTENSIONS[f] for f in FORMATS)
        raise ValueError(f"cannot tell the export format from {os.fspath(path)!r}: use a name ending in {names}")
    return ext


def _known(fmt):
    name = str(fmt).strip().lstrip(".").lower()
    name = _ALIASES.get(name, name)
    if name not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (choose one of {', '.join(FORMATS)})")
    return name


def _markdown(result):
    paragraphs = result.get("paragraphs", [])
    clock = _clock_with_hours if _length(result) >= 3600 else _clock
    blocks = ["# Transcript"]
    for paragraph in paragraphs:
        text = _paragraph_markdown(paragraph)
        if not text:
            continue
        start = paragraph.get("start")
        blocks.append(f"**[{clock(start)}]** {text}" if start is not None else text)
    return "\n\n".join(blocks) + "\n"


def _paragraph_markdown(paragraph):
    sentences = paragraph.get("sentences")
    if not sentences:
        return _escape(paragraph.get("text", "").strip())
    parts = []
    for sentence in sentences:
        text = sentence.get("text", "").strip()
        if not text:
            continue
        sound = sentence.get("sound", bool(_SOUND_ONLY.fullmatch(text)))
        parts.append(f"_{_escape(text)}_" if sound else _escape(text))
    return " ".join(parts)


def _escape(text):
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _length(result):
    """Seconds the result covers, to pick the clock format.

    The latest paragraph or cue time counts too, so a missing or short media
    duration never yields a clock like "62:05".
    """
    duration = (result.get("media") or {}).get("duration")
    times = [item.get(k) for key in ("paragraphs", "cues") for item in result.get(key, []) for k in ("start", "end")]
    times.append(duration)
    return max((t for t in times if isinstance(t, (int, float))), default=0)


def _clock(seconds):
    minutes, secs = divmod(int(max(0, seconds)), 60)
    return f"{minutes:02d}:{secs:02d}"


def _clock_with_hours(seconds):
    minutes, secs = divmod(int(max(0, seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"
