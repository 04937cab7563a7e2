"""Errors of predicted cue and word times against a case's truth.

A prediction is a list with one ``{"start", "end", "found"}`` per cue, in
file order (``found`` is True for methods that do not flag cues).  Cues whose
speech was removed from the media ("absent") have no true time: a method is
right about them only by flagging them ``found: false``.
"""
import difflib
import re

import numpy as np

WITHIN = 0.100   # seconds: the "close enough" threshold


def _ms(value):
    return round(float(value) * 1000, 1) if np.isfinite(value) else float("inf")


def _stats(errors):
    """median / p95 / max in ms and the share within ``WITHIN``.

    An error of ``inf`` (a cue the method lost) sorts last; percentiles use
    the nearest rank so they never interpolate with it.
    """
    e = np.asarray(errors, dtype=float)
    if not len(e):
        return {"n": 0, "median_ms": None, "p95_ms": None, "max_ms": None, "within_pct": None, "within": 0}
    return {"n": int(len(e)), "within": int((e <= WITHIN).sum()),
            "median_ms": _ms(np.percentile(e, 50, method="nearest")),
            "p95_ms": _ms(np.percentile(e, 95, method="nearest")),
            "max_ms": _ms(e.max()),
            "within_pct": round(100.0 * float((e <= WITHIN).mean()), 1)}


def cue_errors(truth_cues, predicted):
    """Per cue: (kind, start error s or None, end error s or None, found).

    kind is ``present`` or ``absent``; errors are None when absent or when
    the method gave no time.
    """
    out = []
    for t, p in zip(truth_cues, predicted):
        found = bool(p and p.get("found", True))
        if t["start"] is None:
            out.append(("absent", None, None, found))
            continue
        start = abs(p["start"] - t["start"]) if p and p.get("start") is not None else None
        end = abs(p["end"] - t["end"]) if p and p.get("end") is not None else None
        out.append(("present", start, end, found))
    return out


def cue_report(rows, flags=True):
    """Summary of ``cue_errors`` rows.

    ``start`` covers cues that are in the media; ``all_within_pct`` covers
    every cue, where an absent cue counts as right only if the method flags
    it (``flags``) and did so.
    """
    present = [r for r in rows if r[0] == "present"]
    absent = [r for r in rows if r[0] == "absent"]
    inf = float("inf")
    starts = [r[1] if r[1] is not None else inf for r in present]
    ends = [r[2] if r[2] is not None else inf for r in present]
    right = sum(s <= WITHIN for s in starts) + (sum(not r[3] for r in absent) if flags else 0)
    return {
        "cues": len(rows), "present": len(present), "absent": len(absent),
        "start": _stats(starts), "end": _stats(ends),
        "all_within_pct": round(100.0 * right / len(rows), 1) if rows else None,
        "absent_flagged": sum(not r[3] for r in absent) if flags else None,
        "present_flagged_missing": sum(not r[3] for r in present) if flags else None,
    }


def _norm(text):
    return re.sub(r"[^a-z0-9']", "", text.lower())


def match_words(truth_words, result_words):
    """Pairs (truth index, result index) of the same words, in order."""
    a = [_norm(w["text"]) for w in truth_words]
    b = [_norm(w["text"]) for w in result_words]
    if a == b:
        return list(zip(range(len(a)), range(len(b))))
    pairs = []
    for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        pairs += [(block.a + k, block.b + k) for k in range(block.size)]
    return pairs


def word_errors(truth_words, result_words):
    """Start errors (s) of words that have a reference start, plus counts.

    ``unmatched`` counts reference words the result does not contain;
    ``no_time`` counts matched words the result left without a start.
    """
    errors, no_time = [], 0
    pairs = match_words(truth_words, result_words)
    for i, j in pairs:
        ref, got = truth_words[i]["start"], result_words[j].get("start")
        if ref is None:
            continue
        if got is None:
            no_time += 1
            continue
        errors.append(abs(got - ref))
    return {"errors": errors, "unmatched": len(truth_words) - len(pairs), "no_time": no_time}


def word_report(parts):
    """Stats over one or more ``word_errors`` results."""
    report = _stats([e for p in parts for e in p["errors"]])
    report.update(unmatched=sum(p["unmatched"] for p in parts), no_time=sum(p["no_time"] for p in parts))
    return report


def result_words(result):
    """Words of an srtmedia result in reading order (paragraphs -> sentences -> words)."""
    return [w for p in result.get("paragraphs", []) for s in p.get("sentences", [])
            for w in s.get("words", [])]


def result_cues(result):
    """srtmedia's result cues as predictions."""
    return [{"start": c.get("start"), "end": c.get("end"), "found": c.get("found", True)}
            for c in result.get("cues", [])]


def srt_cues(cues, truth_cues):
    """SRT cues (in file order) as predictions for ``truth_cues``.

    Tools may drop or reorder cues; fall back to matching on text.
    """
    if len(cues) == len(truth_cues):
        return [{"start": c.start, "end": c.end, "found": True} for c in cues]
    by_text = {}
    for c in cues:
        by_text.setdefault(_norm(c.text), []).append(c)
    out = []
    for t in truth_cues:
        same = by_text.get(_norm(t["text"]))
        c = same.pop(0) if same else None
        out.append({"start": c.start, "end": c.end, "found": True} if c else None)
    return out


def pooled(reports_rows, flags=True):
    """One cue_report over the rows of several cases."""
    return cue_report([r for rows in reports_rows for r in rows], flags)
