"""Build the result dict from what the three stages found (see docs/pipeline.md)."""
from srtmedia import __version__
from srtmedia.pipeline.timing import sync
from srtmedia.pipeline.text.scripts import join_words


def build_result(cues, words, document, alignment, transcript, media, engine, warnings,
                 placed_by="words", timing=None, language=None):
    """The result: paragraphs, re-timed cues, timing model, transcript, media, engines.

    ``placed_by`` names how the found cues were placed: ``words`` (matched to
    recognised words and aligned) or ``speech timing`` (from voice activity,
    with ``timing`` the map it found); ``language`` is the result's language block.
    """
    found = alignment.heard
    times = fill_times(alignment.words)
    stood_in = {w.source for w in transcript.words if not w.heard}
    # Agreement is measured where the recogniser listened: a stand-in agrees with itself.
    spoken = [i for i, w in enumerate(words) if not w.sound and i not in stood_in]
    by_words = placed_by == "words"
    return {
        "paragraphs": _paragraphs(document, words, times),
        "cues": _cues(cues, words, times, found, placed_by),
        "timing": timing or sync.describe(alignment.ratio, alignment.runs, max((c.end for c in cues), default=0.0)),
        "language": language or {},
        "transcript": {
            "words": _transcript_words(transcript.words, words, times),
            "recognised": _recognised(transcript),
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


def _transcript_words(heard, words, times):
    """The words recognised and, where recognition was skipped, the subtitle words as aligned."""
    out = []
    for w in heard:
        if w.heard:
            out.append({"text": w.text, "start": _r(w.start), "end": _r(w.end), "confidence": w.confidence})
        else:
            start, end, confidence = times[w.source]
            out.append({"text": words[w.source].text, "start": start, "end": end, "confidence": confidence,
                        "from_subtitles": True})
    return sorted(out, key=lambda w: w["start"])


def _recognised(transcript):
    """How much of the speech the recogniser listened to: seconds, share and the stretches."""
    speech = sum(e - s for s, e in transcript.speech)
    if transcript.recognised is None:
        stretches = transcript.speech if transcript.words else []
    else:
        stretches = transcript.recognised
    seconds = _overlap(transcript.speech, stretches)
    return {"seconds": _r(seconds), "share": round(seconds / speech, 3) if speech else 0.0,
            "stretches": [[_r(s), _r(e)] for s, e in stretches]}


def _overlap(spans, others):
    """Seconds that two sorted lists of [start, end) spans share."""
    total, k = 0.0, 0
    for start, end in spans:
        while k < len(others) and others[k][1] <= start:
            k += 1
        j = k
        while j < len(others) and others[j][0] < end:
            total += max(0.0, min(end, others[j][1]) - max(start, others[j][0]))
            j += 1
    return total


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
