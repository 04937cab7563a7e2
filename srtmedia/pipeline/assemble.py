"""Build the result dict from what the three stages found (see docs/pipeline.md)."""
from srtmedia import __version__
from srtmedia.pipeline import sync
from srtmedia.pipeline.scripts import join_words


def build_result(cues, words, document, alignment, transcript, media, engine, warnings,
                 placed_by="words", timing=None, language=None):
    """The result: paragraphs, re-timed cues, timing model, transcript, media, engines.

    ``placed_by`` names how the found cues were placed: ``words`` (matched to
    recognised words and aligned) or ``speech timing`` (from voice activity,
    with ``timing`` the map it found); ``language`` is the result's language block.
    """
    found = alignment.heard
    times = fill_times(alignment.words)
    spoken = [i for i, w in enumerate(words) if not w.sound]
    by_words = placed_by == "words"
    return {
        "paragraphs": _paragraphs(document, words, times),
        "cues": _cues(cues, words, times, found, placed_by),
        "timing": timing or sync.describe(alignment.ratio, alignment.runs, max((c.end for c in cues), default=0.0)),
        "language": language or {},
        "transcript": {
            "words": [{"text": w.text, "start": _r(w.start), "end": _r(w.end), "confidence": w.confidence}
                      for w in transcript.words],
            # Subtitle words heard by the recogniser: none when the words did not place the cues.
            "agreement": round(sum(found[i] for i in spoken) / len(spoken), 3) if spoken and by_words else 0.0,
            "matched_words": alignment.anchors,
            "language": transcript.language,
            "speech": [[_r(start), _r(end)] for start, end in transcript.speech],
        },
        "media": media,
        "engine": {"srtmedia": __version__, **engine},
        "warnings": list(warnings),
    }


def fill_times(timed):
    """(start, end, confidence) for every word; words not heard are squeezed
    between their heard neighbours rather than given invented durations."""
    out = [(w.start, w.end, w.confidence) if w.start is not None else None for w in timed]
    k = 0
    while k < len(out):
        if out[k] is not None:
            k += 1
            continue
        j = k
        while j < len(out) and out[j] is None:
            j += 1
        lo = out[k - 1][1] if k > 0 else (out[j][0] if j < len(out) else 0.0)
        hi = out[j][0] if j < len(out) else lo
        hi = max(lo, hi)
        step = (hi - lo) / (j - k)
        for n in range(k, j):
            out[n] = (lo + step * (n - k), lo + step * (n - k + 1), 0.0)
        k = j
    return [(_r(s), _r(max(s, e)), c) for s, e, c in out]


def _paragraphs(document, words, times):
    paragraphs = []
    for index, sentences in enumerate(document.paragraphs):
        built = [_sentence(s, times) for s in sentences if s.tokens]
        if not built:
            continue
        ids = [t.word_id for s in sentences for t in s.tokens]
        paragraphs.append({
            "index": len(paragraphs),
            "start": built[0]["start"],
            "end": max(s["end"] for s in built),
            "text": join_words(s["text"] for s in built),
            "sentences": built,
            "cue_indices": sorted({words[i].cue_index for i in ids}),
        })
    return paragraphs


def _sentence(sentence, times):
    items = [{"text": t.text, "start": times[t.word_id][0], "end": times[t.word_id][1],
              "confidence": round(float(times[t.word_id][2]), 3)} for t in sentence.tokens]
    heard = [w for w in items if w["confidence"] > 0] or items
    out = {"start": heard[0]["start"], "end": max(w["end"] for w in heard),
           "text": sentence.text, "words": items}
    if sentence.sound:
        out["sound"] = True
    return out


def _cues(cues, words, times, found, placed_by):
    members = {}
    for w in words:
        members.setdefault(w.cue_index, []).append(w)
    out = []
    for cue in cues:
        own = members.get(cue.index, [])
        spoken = [w.id for w in own if not w.sound]
        heard = [i for i in spoken if found[i]]
        ids = heard or spoken or [w.id for w in own]
        # A cue counts as heard when most of its words are: one stray word
        # placed at a cut does not make the rest of the cue spoken.
        entry = {"index": cue.index, "text": cue.text,
                 "original_start": _r(cue.start), "original_end": _r(cue.end),
                 "found": 2 * len(heard) >= len(spoken)}
        if ids:
            entry["start"], entry["end"] = times[ids[0]][0], max(times[i][1] for i in ids)
        else:  # a cue with no words at all keeps its place relative to its neighbours
            entry["start"], entry["end"] = None, None
        entry["placed_by"] = placed_by if entry["found"] else None
        if not entry["found"]:
            entry["not_found_reason"] = ("its words were not heard in the audio" if placed_by == "words"
                                         else "no speech where the timing of speech puts it")
        out.append(entry)
    _place_empty_cues(out)
    return [{k: entry[k] for k in ("index", "start", "end", "text", "original_start",
                                   "original_end", "found", "placed_by") if k in entry}
            | ({"not_found_reason": entry["not_found_reason"]} if "not_found_reason" in entry else {})
            for entry in out]


def _place_empty_cues(out):
    """Cues without words (blank text) borrow the shift of the nearest timed cue."""
    timed = [c for c in out if c["start"] is not None]
    for cue in out:
        if cue["start"] is None:
            ref = min(timed, key=lambda c: abs(c["original_start"] - cue["original_start"]), default=None)
            shift = (ref["start"] - ref["original_start"]) if ref else 0.0
            cue["start"] = _r(max(0.0, cue["original_start"] + shift))
            cue["end"] = _r(max(0.0, cue["original_end"] + shift))


def _r(value):
    return None if value is None else round(float(value), 3)
