"""What a run changed in the timing, in a few numbers: for the CLI, the task list and the chart."""

# A cue whose start moved less than this is counted as left where it was.
MOVED = 0.1


def summarize(result):
    """offset, ratio, cuts, cues moved and not found, media duration and language of ``result``.

    Each cut is {"at": media seconds where it is, "subtitle_at": subtitle
    seconds, "shift": seconds the timing jumps there}: a positive shift means
    the media has that much more than the subtitles expect there (an inserted
    break), a negative one that it lacks it (a removed scene).
    """
    timing = result.get("timing") or {}
    cues = result.get("cues") or []
    return {
        "duration": (result.get("media") or {}).get("duration"),
        "language": (result.get("transcript") or {}).get("language"),
        "offset": timing.get("offset", 0.0),
        "ratio": timing.get("ratio", 1.0),
        "cuts": cuts(timing.get("segments") or []),
        "cues": len(cues),
        "cues_moved": sum(1 for c in cues if _moved(c)),
        "cues_not_found": sum(1 for c in cues if c.get("found") is False),
    }


def cuts(segments):
    """The cuts between consecutive timing segments (subtitle-time segments of the result)."""
    out = []
    for before, after in zip(segments, segments[1:]):
        at = after["start"]
        shift = _media(after, at) - _media(before, at)
        out.append({"at": round(_media(before, at), 3), "subtitle_at": round(at, 3), "shift": round(shift, 3)})
    return out


def describe(summary, seconds=None):
    """Lines a person reads after a run: the summary in words, with ``seconds`` taken if known."""
    lines = [f"timing: offset {summary['offset']:+.3f} s, speed ratio {summary['ratio']:.4f}"]
    for cut in summary["cuts"]:
        kind = "extra media (a break)" if cut["shift"] > 0 else "media missing (a removed part)"
        lines.append(f"cut at {clock(cut['at'])}: {abs(cut['shift']):.3f} s of {kind}")
    lines.append(f"cues: {summary['cues']}, moved {summary['cues_moved']} (by {MOVED:g} s or more), "
                 f"not found in the audio {summary['cues_not_found']}")
    facts = []
    if summary.get("duration"):
        facts.append(f"media {clock(summary['duration'])}")
    facts.append(f"language {summary.get('language') or 'unknown'}")
    if seconds is not None:
        facts.append(f"took {seconds:.1f} s")
    lines.append(", ".join(facts))
    return lines


def clock(seconds, tenths=True):
    """``seconds`` as "m:ss.s" ("m:ss" without ``tenths``), with hours in front from an hour on."""
    seconds = max(0.0, float(seconds))
    if not tenths:
        seconds = round(seconds)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    secs = f"{secs:04.1f}" if tenths else f"{int(secs):02d}"
    return f"{hours}:{minutes:02d}:{secs}" if hours else f"{minutes}:{secs}"


def _media(segment, subtitle_time):
    return segment.get("ratio", 1.0) * subtitle_time + segment.get("offset", 0.0)


def _moved(cue):
    start, original = cue.get("start"), cue.get("original_start")
    return start is not None and original is not None and abs(start - original) >= MOVED
