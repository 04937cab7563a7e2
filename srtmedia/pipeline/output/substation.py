"""SubStation Alpha subtitles (ASS and SSA): read with their line numbers, written back retimed.

pysubs2 reads and writes the files; it keeps script info, styles, layers,
positions and override tags. It names no line when a file is malformed and
skips what it cannot read, so the [Events] section is checked here first, line
by line, the way subtitles.py checks SRT and WebVTT.
"""
import re

from srtmedia.pipeline.errors import LimitExceeded, SubtitleError
from srtmedia.pipeline.model import Cue

FORMATS = ("ass", "ssa")

# H:MM:SS.cc as ASS writes it; pysubs2 also reads milliseconds and a ":" before them.
_TIME = re.compile(r"\s*([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})[.:]([0-9]{1,3})\s*")
_SECTION = re.compile(r"\s*\[([^\]]+)\]\s*$")


def is_substation(text):
    """True when ``text`` (decoded, normalised) is an ASS or SSA script: it opens with [Script Info]."""
    first = next((line for line in text.split("\n") if line.strip()), "")
    return first.strip().lower() == "[script info]"


def parse_substation(text, max_cues=None):
    """The Dialogue events of an ASS/SSA script as cues, in file order; comments are left out.

    ``Cue.text`` is the event text as written (override tags and ``\\N`` kept).
    Raises SubtitleError naming the line at fault, LimitExceeded past ``max_cues``.
    """
    events = list(_checked_events(text.split("\n"), max_cues))
    if not events:
        raise SubtitleError("no Dialogue lines found in the [Events] section")
    loaded = [e for e in _load(text).events if not e.is_comment]
    if len(loaded) != len(events):
        raise SubtitleError(f"the [Events] section has {len(events)} Dialogue lines but only "
                            f"{len(loaded)} could be read")
    return [Cue(index=k, start=event.start / 1000, end=event.end / 1000, text=event.text, line=line)
            for k, (line, event) in enumerate(zip(events, loaded))]


def _checked_events(lines, max_cues):
    """Line numbers of the Dialogue lines, after checking each has its fields and valid times."""
    section, fields, count = None, None, 0
    for number, line in enumerate(lines, 1):
        header = _SECTION.match(line)
        if header:
            section = header.group(1).strip().lower()
            continue
        if section != "events" or ":" not in line:
            continue
        kind, _, value = line.partition(":")
        kind = kind.strip().lower()
        if kind == "format":
            fields = [name.strip().lower() for name in value.split(",")]
            missing = {"start", "end", "text"} - set(fields)
            if missing:
                raise SubtitleError(f"the Format line has no {', '.join(sorted(missing))} field", line=number)
        elif kind == "dialogue":
            if fields is None:
                raise SubtitleError("a Dialogue line comes before the [Events] Format line", line=number)
            _check_dialogue(value, fields, number)
            count += 1
            if max_cues is not None and count > max_cues:
                raise LimitExceeded(f"too many subtitle cues (the limit is {max_cues:,})")
            yield number


def _check_dialogue(value, fields, number):
    values = value.split(",", len(fields) - 1)
    if len(values) < len(fields):
        raise SubtitleError(f"expected {len(fields)} comma-separated fields, found {len(values)}", line=number)
    start = _seconds(values[fields.index("start")], number)
    end = _seconds(values[fields.index("end")], number)
    if end < start:
        raise SubtitleError(f"the event ends before it starts ({values[fields.index('start')].strip()} "
                            f"to {values[fields.index('end')].strip()})", line=number)


def _seconds(token, number):
    m = _TIME.fullmatch(token)
    if not m or int(m.group(2)) > 59 or int(m.group(3)) > 59:
        raise SubtitleError(f"bad timestamp '{token.strip()[:40]}'", line=number)
    hours, minutes, secs, fraction = m.groups()
    return int(hours) * 3600 + int(minutes) * 60 + int(secs) + int(fraction) / 10 ** len(fraction)


def _load(text, format_=None):
    import pysubs2

    try:
        return pysubs2.SSAFile.from_string(text, format_=format_)
    except (ValueError, KeyError, IndexError, pysubs2.Pysubs2Error) as exc:
        raise SubtitleError(f"not a readable ASS/SSA script ({exc})") from None


def substation_format(text):
    """"ass" or "ssa" for a script, from its styles section as pysubs2 reads it."""
    found = _load(text).format
    return found if found in FORMATS else "ass"


def retime(original, cues, fmt):
    """``original`` (an ASS/SSA script) with its Dialogue events moved to ``cues``' times, as ``fmt``.

    ``cues`` are dicts or Cue objects in the order parse_substation gave them.
    ``fmt`` is "ass", "ssa", "srt" or "vtt"; ASS and SSA keep every style,
    position and tag, SRT and WebVTT keep what those formats can say (italics...).
    Raises ValueError when the cues do not belong to this script.
    """
    subs = _load(original)
    events = [e for e in subs.events if not e.is_comment]
    if len(events) != len(cues):
        raise ValueError(f"the result has {len(cues)} cues but the script has {len(events)} Dialogue events")
    for event, cue in zip(events, cues):
        start, end = (cue["start"], cue["end"]) if isinstance(cue, dict) else (cue.start, cue.end)
        event.start, event.end = _millis(start), max(_millis(start), _millis(end))
    return subs.to_string(fmt)


def convert(srt_text, fmt):
    """SRT text as an ASS or SSA script with pysubs2's default style (<i> and the like become tags)."""
    return _load(srt_text, "srt").to_string(fmt)


def _millis(seconds):
    return max(0, round(float(seconds) * 1000))
