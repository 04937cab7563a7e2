"""Global timing: how subtitle time maps to media time.

Subtitle words are matched to recognised words (a monotonic sequence match,
since offset, speed change and cuts all keep the order of speech). Each match
is an anchor ``(subtitle time, media time)``. Within a stretch of media with no
cut, ``media = ratio * subtitle + offset`` holds for every anchor; a cut shows
up as a jump of the offset. So the anchors are split into runs of constant
offset for the best ratio, which gives the segments that the aligner needs.
"""
from dataclasses import dataclass
from difflib import SequenceMatcher
from statistics import median

# Frame-rate conversions that real subtitle files suffer from, and their inverses.
KNOWN_RATIOS = (1.0, 25 / 23.976, 24 / 23.976, 25 / 24, 30 / 29.97)
# 1.0 first: on a tie the file is taken as not re-timed.
CANDIDATE_RATIOS = (1.0,) + tuple(sorted({round(r, 9) for k in KNOWN_RATIOS[1:] for r in (k, 1 / k)}))
RUN_TOLERANCE = 0.6      # seconds an anchor may stray from its run's offset
MIN_RUN_ANCHORS = 4      # fewer anchors than this in a run: chance matches, not a segment
WHISPER_LAG = 0.08       # Whisper word starts run late by about this much
# Letter similarity (difflib ratio) of unrelated English phrases is 0.25-0.43 at
# the 95th percentile; Whisper's mishearings of the right words score 0.5-0.95.
HEARD_ALIKE = 0.45
MIN_HEARD_LETTERS = 8    # fewer recognised letters than this can't overrule anything
CUE_REACH = 3.0          # seconds a cue's own words may lie from where its times put them


@dataclass
class Anchor:
    sub: int        # index into the subtitle words
    asr: int        # index into the recognised words
    sub_time: float
    media_time: float


@dataclass
class Run:
    """Anchors sharing one offset: a stretch of media with no cut."""

    anchors: list
    offset: float
    ratio: float

    def media_time(self, sub_time):
        return self.ratio * sub_time + self.offset


def match_anchors(sub_keys, sub_times, asr_keys, asr_times):
    """Anchors where the subtitle word equals the recognised word, in order."""
    matcher = SequenceMatcher(None, sub_keys, asr_keys, autojunk=False)
    anchors = []
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            i, j = block.a + k, block.b + k
            if sub_keys[i]:
                anchors.append(Anchor(i, j, sub_times[i], asr_times[j] - WHISPER_LAG))
    return anchors


def contradicts(sub_keys, heard_keys):
    """True when what was recognised at a place is clearly not these subtitle words.

    A place where the recogniser heard nothing, or much less than the
    subtitle words say, tells nothing (it skips speech); but speech it heard
    in full as quite other words (an advert's, say) is not where the
    subtitle words were said, however voiced it is.
    """
    said, heard = _letters(sub_keys), _letters(heard_keys)
    if len(heard) < max(MIN_HEARD_LETTERS, len(said) / 2):
        return False
    return SequenceMatcher(None, said, heard, autojunk=False).ratio() < HEARD_ALIKE


def _letters(keys):
    return "".join(c for k in keys for c in k if c.isalpha())


def estimate_word_times(words, cues):
    """Where each word falls in subtitle time: spread over its cue by characters."""
    by_cue = {}
    for w in words:
        by_cue.setdefault(w.cue_index, []).append(w)
    times = [0.0] * len(words)
    for cue_index, members in by_cue.items():
        cue = cues[cue_index]
        total = sum(len(w.text) + 1 for w in members) or 1
        seen = 0
        for w in members:
            times[w.id] = cue.start + (cue.end - cue.start) * seen / total
            seen += len(w.text) + 1
    return times


def split_runs(anchors, ratio):
    """Cut the anchor sequence where the offset jumps; drop runs too short to trust."""
    runs, current = [], []
    for anchor in anchors:
        offset = anchor.media_time - ratio * anchor.sub_time
        if current:
            recent = median(a.media_time - ratio * a.sub_time for a in current[-5:])
            if abs(offset - recent) > RUN_TOLERANCE:
                runs.append(current)
                current = []
        current.append(anchor)
    if current:
        runs.append(current)
    kept = [r for r in runs if len(r) >= MIN_RUN_ANCHORS]
    return _merge_same_offset([_fit(r, ratio) for r in kept])


def _fit(anchors, ratio):
    offset = median(a.media_time - ratio * a.sub_time for a in anchors)
    return Run(anchors=anchors, offset=offset, ratio=ratio)


def _merge_same_offset(runs):
    """Join neighbours that a few stray anchors split although no cut lies between."""
    merged = []
    for run in runs:
        if merged and abs(run.offset - merged[-1].offset) <= RUN_TOLERANCE / 2:
            merged[-1] = _fit(merged[-1].anchors + run.anchors, run.ratio)
        else:
            merged.append(run)
    return merged


def find_runs(anchors):
    """The ratio and runs that explain the most anchors with the fewest cuts."""
    if not anchors:
        return 1.0, []
    candidates = list(CANDIDATE_RATIOS)
    fitted = _fitted_ratio(anchors)
    if fitted and 0.9 < fitted < 1.1:
        candidates.append(fitted)
    best = None
    for ratio in candidates:
        runs = split_runs(anchors, ratio)
        errors = [abs(a.media_time - r.media_time(a.sub_time)) for r in runs for a in r.anchors]
        # An anchor counts where its run's line puts it, not where the run kept
        # it: split_runs follows a slow drift, so a wrong ratio keeps every anchor.
        explained = sum(e <= RUN_TOLERANCE for e in errors)
        spread = sum(errors)
        # Each extra cut must pay for itself with anchors it explains; the mean
        # spread is coarsened so that noise in hand-made cue times can't pick a ratio.
        score = (explained - 3 * max(0, len(runs) - 1), -round(spread / max(1, explained) / 0.05))
        if best is None or score > best[0]:
            best = (score, ratio, runs)
    return best[1], best[2]


def _fitted_ratio(anchors):
    """Theil-Sen-like slope over widely spaced anchor pairs (robust to cuts)."""
    if len(anchors) < 20:
        return None
    step = max(1, len(anchors) // 200)
    sample = anchors[::step]
    half = len(sample) // 2
    slopes = []
    for a, b in zip(sample[:half], sample[half:]):
        span = b.sub_time - a.sub_time
        if span > 10:
            slopes.append((b.media_time - a.media_time) / span)
    return median(slopes) if slopes else None


def cue_edges(runs, anchors, words, cues, sub_times):
    """For each run, its first and last anchored words widened to their whole cues.

    A cut falls between cues, and Whisper often misses the first words after a
    pause: the words of a cue that precede its first anchor are spoken just
    before it, in the same stretch of media, not across a cut. Left out of the
    chunk, they would be squeezed into the audio of the words that follow.
    Where those words lie comes from the run's offset, or from matches that
    were too few to make a run of their own (a cue whose times are off).
    """
    first_of, last_of = {}, {}
    for w in words:
        first_of.setdefault(w.cue_index, w.id)
        last_of[w.cue_index] = w.id
    edges = []
    for k, run in enumerate(runs):
        first, last = run.anchors[0].sub, run.anchors[-1].sub
        previous = runs[k - 1].anchors[-1].sub if k else -1
        following = runs[k + 1].anchors[0].sub if k + 1 < len(runs) else len(words)
        lead = max(first_of[words[first].cue_index], previous + 1)
        tail = min(last_of[words[last].cue_index], following - 1)
        tail_end = sub_times[tail + 1] if tail < last_of[words[tail].cue_index] else cues[words[tail].cue_index].end
        lead_at, tail_at = run.media_time(sub_times[lead]), run.media_time(tail_end)
        strays = [a.media_time for a in anchors if lead <= a.sub < first and a.media_time > lead_at - CUE_REACH]
        strays_after = [a.media_time for a in anchors if last < a.sub <= tail and a.media_time < tail_at + CUE_REACH]
        edges.append((lead, min([lead_at] + strays) if lead < first else None,
                      tail, max([tail_at] + strays_after) if tail > last else None))
    return edges


def describe(ratio, runs, sub_end):
    """The ``timing`` block of the result: offset, ratio and segments in subtitle time."""
    if not runs:
        return {"offset": 0.0, "ratio": 1.0, "segments": [], "cuts": 0}
    main = max(runs, key=lambda r: len(r.anchors))
    segments = []
    for k, run in enumerate(runs):
        start = 0.0 if k == 0 else run.anchors[0].sub_time
        end = sub_end if k == len(runs) - 1 else runs[k + 1].anchors[0].sub_time
        segments.append({"start": round(start, 3), "end": round(max(start, end), 3),
                         "offset": round(float(run.offset), 3), "ratio": round(run.ratio, 6),
                         "anchors": len(run.anchors)})
    return {"offset": round(float(main.offset), 3), "ratio": round(float(ratio), 6), "segments": segments,
            "cuts": len(runs) - 1}
