"""Plain-text tables for bench results."""

COLUMNS = [
    # header, width, getter(row) -> value
    ("method", 16, lambda r: r["method"]),
    ("ok", 3, lambda r: "yes" if r["ok"] else "NO"),
    ("start med", 9, lambda r: r["cues"]["start"]["median_ms"]),
    ("p95", 8, lambda r: r["cues"]["start"]["p95_ms"]),
    ("max", 9, lambda r: r["cues"]["start"]["max_ms"]),
    ("<=100ms", 7, lambda r: r["cues"]["start"]["within_pct"]),
    ("all<=100", 8, lambda r: r["cues"]["all_within_pct"]),
    ("excl", 5, lambda r: _absent(r["cues"])),
    ("end med", 8, lambda r: r["cues"]["end"]["median_ms"]),
    ("word med", 8, lambda r: (r.get("words") or {}).get("median_ms")),
    ("word p95", 8, lambda r: (r.get("words") or {}).get("p95_ms")),
    ("wall s", 7, lambda r: r.get("wall_s")),
    ("cpu s", 7, lambda r: r.get("cpu_s")),
    ("mem MB", 7, lambda r: r.get("peak_mb")),
]

LEGEND = ("start/end: |predicted - true| cue times over cues whose speech is in the media (ms); "
          "<=100ms: share of those cues within 100 ms; all<=100: share of ALL cues right, where a "
          "cue whose speech was removed counts as right only if flagged found:false; excl: removed "
          "cues flagged / removed cues (srtmedia only); word: srtmedia word-start error (ms).")


def _absent(cues):
    if not cues["absent"]:
        return "-"
    if cues["absent_flagged"] is None:
        return "n/a"
    return f"{cues['absent_flagged']}/{cues['absent']}"


def _text(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) < 1e5 else f"{value:.3g}"
    return str(value)


def _line(values):
    """One table line: the first column (the method) left-aligned, numbers right-aligned."""
    cells = [_text(v).rjust(w) for v, (_, w, _) in zip(values, COLUMNS)]
    cells[0] = _text(values[0]).ljust(COLUMNS[0][1])
    return " ".join(cells)


def table(rows):
    """Rows (one per method) as an aligned text table."""
    header = _line([h for h, _, _ in COLUMNS])
    lines = [header, "-" * len(header)]
    for row in rows:
        if not row["ok"]:
            lines.append(f"{row['method']:16} NO  failed: {row.get('error', '')[:100]}")
            continue
        lines.append(_line([get(row) for _, _, get in COLUMNS]))
    return "\n".join(lines)


def segments_text(segments):
    """Piecewise mapping as "[from-to s] x ratio + offset; ..." in subtitle time."""
    return "; ".join(f"[{s['start']:.1f}-{s['end']:.1f}] x{s['ratio']:.5f} {s['offset']:+.3f}"
                     for s in segments) or "-"


def timing_lines(truth, rows):
    """The true mapping next to what each method estimated."""
    lines = [f"  timing truth     {segments_text(truth['segments'])}"]
    for row in rows:
        if not row["ok"]:
            continue
        if row.get("timing"):
            lines.append(f"  timing {row['method']:9} {segments_text(row['timing'].get('segments', []))}")
        elif "offset" in row["extra"]:
            lines.append(f"  timing {row['method']:9} x{row['extra'].get('scale', 1.0):.5f} "
                         f"{row['extra']['offset']:+.3f} (the global fit its log reports)")
    return "\n".join(lines)


def heading(text):
    return f"\n== {text}"
