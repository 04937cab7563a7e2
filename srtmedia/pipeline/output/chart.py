"""The timing chart of a result, as SVG (written here) or PNG (drawn by matplotlib).

Media time runs across. Each cue is a dot at its new start, as high as the
shift applied to it (new start minus old start); cues not heard in the audio
are red crosses. The timing segments are lines of the shift they apply, cuts
are dashed verticals, and a band at the bottom shows where speech was heard.
The web page draws the same picture in the browser (static/timing-chart.js).
"""
import math
from html import escape

from srtmedia.pipeline.output.summary import clock, summarize

WIDTH, HEIGHT = 960, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 36, 56   # plot margins in pixels
BAND = 10                                    # height of the speech band
COLOURS = {"cue": "#2457c5", "missing": "#b3261e", "segment": "#1d2330", "cut": "#b3261e",
           "speech": "#7fb77e", "grid": "#e3e6ec", "text": "#1d2330"}


def chart_data(result):
    """What the chart shows, in media seconds: cues, segment lines, cuts, speech, ranges."""
    cues = [{"at": c["start"], "shift": c["start"] - c["original_start"], "found": c.get("found", True),
             "text": c.get("text", ""), "old": c["original_start"]}
            for c in result.get("cues") or [] if c.get("start") is not None and c.get("original_start") is not None]
    segments = []
    for seg in (result.get("timing") or {}).get("segments") or []:
        # Subtitle time before the media starts (a negative offset) is off the chart.
        start = max(seg["start"], -seg["offset"] / seg["ratio"])
        if start < seg["end"]:
            segments.append([(seg["ratio"] * t + seg["offset"], (seg["ratio"] - 1) * t + seg["offset"])
                             for t in (start, seg["end"])])
    speech = [tuple(region) for region in (result.get("transcript") or {}).get("speech") or []]
    summary = summarize(result)
    ends = [c["at"] for c in cues] + [p[0] for s in segments for p in s] + [e for _, e in speech]
    duration = max([summary["duration"] or 0.0, *ends, 1.0])
    shifts = [c["shift"] for c in cues] + [p[1] for s in segments for p in s] + [0.0]
    low, high = min(shifts), max(shifts)
    pad = max(0.5, (high - low) * 0.1)
    return {"cues": cues, "segments": segments, "cuts": summary["cuts"], "speech": speech,
            "duration": duration, "shift_range": (low - pad, high + pad), "summary": summary}


def describe(data):
    """One sentence for assistive technology and the picture's title."""
    s = data["summary"]
    cuts = ", ".join(f"{clock(c['at'])} ({c['shift']:+.1f} s)" for c in s["cuts"]) or "none"
    return (f"Timing chart: shift applied to each of {s['cues']} cues across {clock(data['duration'])} of media; "
            f"offset {s['offset']:+.2f} s, cuts {cuts}, {_count(s['cues_not_found'], 'cue')} not found in the audio.")


def _count(n, noun):
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def ticks(low, high, count=6):
    """Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten."""
    raw = (high - low) / max(count, 1) or 1.0
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    return [round(first + k * step, 6) for k in range(int((high - first) / step) + 1)]


def write_chart(result, path):
    """Write the chart of ``result`` to ``path``: SVG or PNG by its extension.

    Raises ValueError for another extension, RuntimeError when PNG needs matplotlib and it is missing.
    """
    kind = str(path).rsplit(".", 1)[-1].lower()
    if kind == "svg":
        with open(path, "w", encoding="utf-8") as out:
            out.write(svg(result))
    elif kind == "png":
        png(result, path)
    else:
        raise ValueError(f"cannot tell the chart format from {str(path)!r}: use a name ending in .svg or .png")


def check_chart_path(path):
    """Refuse early what write_chart would refuse after a long run."""
    kind = str(path).rsplit(".", 1)[-1].lower()
    if kind not in ("svg", "png"):
        raise ValueError(f"cannot tell the chart format from {str(path)!r}: use a name ending in .svg or .png")
    if kind == "png":
        _matplotlib()


def svg(result):
    """The chart as a standalone SVG document."""
    data = chart_data(result)
    low, high = data["shift_range"]
    x = lambda t: LEFT + (WIDTH - LEFT - RIGHT) * t / data["duration"]  # noqa: E731
    y = lambda s: TOP + (HEIGHT - TOP - BOTTOM) * (high - s) / (high - low)  # noqa: E731
    c = COLOURS
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
           f'height="{HEIGHT}" role="img" aria-label="{escape(describe(data))}" font-family="sans-serif" '
           f'font-size="12"><title>{escape(describe(data))}</title><rect width="100%" height="100%" fill="#fff"/>']
    for value in ticks(low, high, 5):
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                   f'stroke="{c["grid"]}"/><text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
                   f'fill="{c["text"]}">{value:+g} s</text>'.replace(">+0 s<", ">0 s<"))
    axis_y = HEIGHT - BOTTOM + BAND + 4
    for value in ticks(0, data["duration"], 8):
        out.append(f'<text x="{x(value):.1f}" y="{axis_y + 14}" text-anchor="middle" fill="{c["text"]}">'
                   f'{clock(value, tenths=False)}</text>')
    for start, end in data["speech"]:
        out.append(f'<rect x="{x(start):.1f}" y="{HEIGHT - BOTTOM + 2}" width="{max(x(end) - x(start), 0.5):.1f}" '
                   f'height="{BAND}" fill="{c["speech"]}"><title>speech {clock(start)} to {clock(end)}</title></rect>')
    for (t0, s0), (t1, s1) in data["segments"]:
        out.append(f'<line x1="{x(t0):.1f}" y1="{y(s0):.1f}" x2="{x(t1):.1f}" y2="{y(s1):.1f}" '
                   f'stroke="{c["segment"]}" stroke-width="2"/>')
    for cut in data["cuts"]:
        out.append(f'<line x1="{x(cut["at"]):.1f}" x2="{x(cut["at"]):.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" '
                   f'stroke="{c["cut"]}" stroke-dasharray="5 4"/><text x="{x(cut["at"]) + 4:.1f}" y="{TOP - 6}" '
                   f'fill="{c["cut"]}">cut {clock(cut["at"])} {cut["shift"]:+.1f} s</text>')
    for cue in data["cues"]:
        cx, cy = x(cue["at"]), y(cue["shift"])
        tip = escape(f"{cue['text']}\n{clock(cue['old'])} \u2192 {clock(cue['at'])}")
        if cue["found"]:
            out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{c["cue"]}"><title>{tip}</title></circle>')
        else:
            out.append(f'<path d="M{cx - 4:.1f},{cy - 4:.1f}l8,8m0,-8l-8,8" stroke="{c["missing"]}" '
                       f'stroke-width="2"><title>not found: {tip}</title></path>')
    out.append(f'<text x="{LEFT}" y="16" fill="{c["text"]}" font-weight="bold">Shift applied to each cue '
               f'(s) across media time; green band: speech heard</text></svg>\n')
    return "\n".join(out)


def png(result, path):
    """The chart drawn with matplotlib into a PNG file at ``path``."""
    _matplotlib()
    from matplotlib.figure import Figure

    data = chart_data(result)
    figure = Figure(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100)
    width = 1 - (LEFT + RIGHT) / WIDTH
    axes = figure.add_axes((LEFT / WIDTH, BOTTOM / HEIGHT, width, 1 - (TOP + BOTTOM) / HEIGHT))
    band = figure.add_axes((LEFT / WIDTH, (BOTTOM - BAND - 4) / HEIGHT, width, BAND / HEIGHT), sharex=axes)
    low, high = data["shift_range"]
    c = COLOURS
    axes.set_xlim(0, data["duration"])
    axes.set_ylim(low, high)
    axes.grid(True, axis="y", color=c["grid"])
    axes.set_ylabel("shift (s)")
    axes.tick_params(axis="x", labelbottom=False)
    band.set_yticks([])
    band.set_xticks(ticks(0, data["duration"], 8), [clock(t, tenths=False) for t in ticks(0, data["duration"], 8)])
    for start, end in data["speech"]:
        band.axvspan(start, end, color=c["speech"], linewidth=0)
    for (t0, s0), (t1, s1) in data["segments"]:
        axes.plot([t0, t1], [s0, s1], color=c["segment"], linewidth=2)
    for cut in data["cuts"]:
        axes.axvline(cut["at"], color=c["cut"], linestyle="--", linewidth=1)
        axes.annotate(f"cut {clock(cut['at'])} {cut['shift']:+.1f} s", (cut["at"], high), color=c["cut"],
                      xytext=(4, 4), textcoords="offset points", annotation_clip=False)
    found = [cue for cue in data["cues"] if cue["found"]]
    missing = [cue for cue in data["cues"] if not cue["found"]]
    axes.scatter([q["at"] for q in found], [q["shift"] for q in found], s=9, color=c["cue"], label="cue")
    axes.scatter([q["at"] for q in missing], [q["shift"] for q in missing], s=30, marker="x", color=c["missing"],
                 label="not found in the audio")
    if data["cues"]:
        axes.legend(loc="lower right", fontsize=8)
    figure.suptitle("Shift applied to each cue across media time; green band: speech heard", x=0.02,
                    ha="left", fontsize=10)
    figure.savefig(path, format="png")


def _matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise RuntimeError("a PNG chart needs matplotlib: pip install 'srtmedia[plot]', or use a .svg name") from None
