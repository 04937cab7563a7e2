"""The map from subtitle time to media time, found as a whole.

Every edit a programme suffers keeps the order of speech (an offset, a
frame-rate change, an inserted break, a removed stretch), so the map is
piecewise linear and increasing: ``media = ratio * subtitle + offset`` with
one ratio for the file and an offset that is constant between cuts.

For each candidate ratio, the offsets that many subtitle words agree on
(a subtitle word and a recognised word with the same text give one offset)
are the states of a dynamic programme over the cues, in order. A cue scores
the words of it that the recogniser heard where the offset puts the cue; a
change of offset costs ``CUT_COST`` words; and a path may never put a cue
before the last cue it matched. The best path over the whole file is the map.
A sentence said twice, once with no subtitle, cannot pull its cue to the
other occurrence: going there and back costs two cuts and breaks the order.
"""
import bisect
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from srtmedia.pipeline.timing.offsets import candidate_offsets
from srtmedia.pipeline.timing.sync import CHANCE_MATCH_WORDS, RUN_TOLERANCE, Anchor, Run, repeated_cues

# Frame-rate conversions that real subtitle files suffer from, and their inverses.
KNOWN_RATIOS = (1.0, 25 / 23.976, 24 / 23.976, 25 / 24, 30 / 29.97)
# 1.0 first: on a tie the file is taken as not re-timed.
CANDIDATE_RATIOS = (1.0,) + tuple(sorted({round(r, 9) for k in KNOWN_RATIOS[1:] for r in (k, 1 / k)}))
CUT_COST = 4.0       # matched words a change of offset must win back
CUE_SLACK = 0.5      # seconds a cue's words may lie outside its mapped times (hand-made cue times)
ORDER_SLACK = 0.5    # seconds a cue may start before the end of the last matched one (overlaps)
PAIR_TOLERANCE = 1.2  # seconds a matched word may lie from its segment's line before the fit
# A cut is reported where neighbouring segments' offsets differ by more than
# this. Inside one segment, offsets fitted to a few cues scatter by a few
# tenths of a second (hand-timed cues, words spread over a cue by letters,
# Whisper's jitter); an edit inserts or removes at least a shot or a spoken
# phrase, a second or more. Smaller jumps stay inside a segment: forced
# alignment, which follows the recogniser's words, absorbs them.
MIN_CUT = 1.0
CHANCE_WINDOW = 4.0  # seconds: about the stretch a cue's words are looked for in
MIN_RUN_ANCHORS = 4  # fewer anchors than this in a segment: chance matches, not speech
RARE_WEIGHT = 0.9    # a word this heavy (heard once every ~40 s or less) is rarely heard near a place by chance
RARE_WORDS = 3       # so many rare words of a cue heard in order near its place are no chance match


@dataclass
class Words:
    """What the map is fitted to: subtitle words and recognised words, keyed for matching."""

    sub_keys: list     # normalised text, "" for sound tags
    sub_times: list    # estimated subtitle time of each word
    cue_of: list       # cue index of each subtitle word
    cues: list
    asr_keys: list
    asr_times: list    # media time of each recognised word (lag removed)

    def __post_init__(self):
        self.asr_by_key = {}
        for j, key in enumerate(self.asr_keys):
            self.asr_by_key.setdefault(key, []).append(j)
        # Per key, its hearings in time order, to find those near a time by bisection.
        self.heard_in_time = {k: sorted(v, key=lambda j: self.asr_times[j]) for k, v in self.asr_by_key.items()}
        self.heard_times = {k: [self.asr_times[j] for j in v] for k, v in self.heard_in_time.items()}
        self.asr_array = {k: np.sort([self.asr_times[j] for j in v]) for k, v in self.asr_by_key.items()}
        # A word said often is heard near any place by chance: it weighs less.
        span = max(self.asr_times, default=0.0) - min(self.asr_times, default=0.0) + CHANCE_WINDOW
        self.weight = {k: math.exp(-len(v) * CHANCE_WINDOW / span) for k, v in self.asr_by_key.items()}
        self.repeated = repeated_cues(self.sub_keys, self.cue_of)
        self.said_words = Counter(c for c, key in zip(self.cue_of, self.sub_keys) if key)   # per cue
        self.cue_words, self.sub_by_key = {}, {}
        for i, key in enumerate(self.sub_keys):
            if key and key in self.asr_by_key:
                self.cue_words.setdefault(self.cue_of[i], []).append(i)
                self.sub_by_key.setdefault(key, []).append(i)

    def cue_weight(self, cue):
        """The weight of the cue's words that the recogniser could have heard."""
        return sum(self.weight[self.sub_keys[i]] for i in self.cue_words.get(cue, ()))

    def cue_size(self, cue):
        """The weight of all the cue's words; a word the recogniser heard nowhere weighs fully."""
        if not hasattr(self, "_sizes"):
            self._sizes = {}
            for i, key in enumerate(self.sub_keys):
                if key:
                    self._sizes[self.cue_of[i]] = self._sizes.get(self.cue_of[i], 0.0) + self.weight.get(key, 1.0)
        return self._sizes.get(cue, 0.0)


def find_map(words, ratio=None):
    """``(ratio, runs, anchors)``: the ratio, one Run per segment, and every anchor found.

    ``ratio``, when known already (from a sample of the same file), is the
    only one tried: each other costs as much again.
    """
    best = None
    plain = _fit(words, 1.0) if ratio in (None, 1.0) else None
    for ratio in _ratios(plain[0]) if ratio is None else [ratio]:
        runs, strays, score = plain if ratio == 1.0 else _fit(words, ratio)
        # A re-timed file must explain clearly more than one that was not (a
        # ratio near 1 fits hand-timed cues' noise a little better by chance),
        # and a ratio no frame-rate conversion gives more still.
        score -= 0.0 if ratio == 1.0 else CUT_COST if ratio in CANDIDATE_RATIOS else 2 * CUT_COST
        if best is None or score > best[0]:
            best = (score, ratio, runs, strays)
    if best is None or not best[2]:
        return 1.0, [], best[3] if best else []
    _, ratio, runs, strays = best
    anchors = sorted([a for r in runs for a in r.anchors] + strays, key=lambda a: a.sub)
    return ratio, runs, anchors


def _ratios(plain_runs):
    """The known frame-rate ratios, and the one the anchors found at ratio 1 fit, if different."""
    candidates = list(CANDIDATE_RATIOS)
    fitted = _fitted_ratio([a for r in plain_runs for a in r.anchors])
    if fitted and 0.9 < fitted < 1.1 and min(abs(fitted - r) for r in candidates) > 2e-4:
        candidates.append(fitted)
    return candidates


def _fit(words, ratio):
    """Runs, stray anchors and a score (anchors on their segment's line, less cuts) for ``ratio``."""
    offsets = candidate_offsets(words, ratio)
    if not len(offsets):
        return [], [], 0.0
    path = best_path(words, ratio, offsets)
    segments = _segments(path, offsets)
    runs, strays = [], []
    for first, last, offset in segments:
        anchors, outliers = segment_anchors(words, ratio, offset, first, last)
        # Neighbouring segments' searches may overlap (a removed stretch puts
        # the next segment's speech before the end of this one's): a
        # recognised word is used once, by the side that matched more there.
        strays += _yield_overlap(runs, anchors, ratio)
        last_heard = runs[-1].anchors[-1].asr if runs else -1
        anchors = [a for a in anchors if a.asr > last_heard]
        if len(anchors) >= MIN_RUN_ANCHORS and not _another_line(words, anchors):
            runs.append(_fitted_run(anchors, ratio))
            strays += outliers
        else:
            strays += anchors + outliers
    runs = _merge_jitter(runs, ratio)
    # An anchor counts fully on its segment's line and less the further it
    # lies (a wrong ratio drifts off the line), nothing beyond RUN_TOLERANCE;
    # each cut must pay for itself.
    fit = sum(max(0.0, 1 - ((a.media_time - r.media_time(a.sub_time)) / RUN_TOLERANCE) ** 2)
              for r in runs for a in r.anchors)
    return runs, strays, fit - CUT_COST * max(0, len(runs) - 1)


def _another_line(words, anchors):
    """Whether a segment of one cue's words is more likely another line than the cue.

    A segment all its own costs a cut more than leaving the cue out, and a
    cue the media lacks may pay that next to a real cut: with the common
    words of a like line ("turn on the second switch and walk", seed 970006),
    its words heard nowhere not counted by ``segment_anchors``; or as a line
    the subtitles repeat, whose unsubtitled copy says it (seed 970003). So
    the cue must not be a repeated one, and most of it must be heard there,
    words heard nowhere counting in full.
    """
    cues = {words.cue_of[a.sub] for a in anchors}
    if len(cues) > 1:
        return False
    (cue,) = cues
    if cue in words.repeated:
        return True
    found = sum(words.weight[words.sub_keys[a.sub]] for a in anchors)
    return found < 0.5 * words.cue_size(cue)


def cue_scores(words, ratio, offsets):
    """``[cue, offset]``: the weight of the cue's words heard where that offset puts the cue."""
    scores = np.zeros((len(words.cues), len(offsets)))
    for c, members in words.cue_words.items():
        cue = words.cues[c]
        lo = ratio * cue.start + offsets - CUE_SLACK
        hi = ratio * max(cue.end, cue.start) + offsets + CUE_SLACK
        for i in members:
            heard = words.asr_array[words.sub_keys[i]]
            hits = np.searchsorted(heard, hi, "right") > np.searchsorted(heard, lo, "left")
            scores[c] += words.weight[words.sub_keys[i]] * hits
    return scores


def best_path(words, ratio, offsets):
    """Offset index per cue: the most words explained, less CUT_COST per change, in media order."""
    scores = cue_scores(words, ratio, offsets)
    n, k = scores.shape
    if not n:
        return []
    # A cue whose words were mostly heard there fixes the order; a common
    # word or two heard by chance where a removed cue would go does not,
    # even when the cue's other words were heard nowhere (it is not in the media).
    size = np.array([words.cue_size(c) for c in range(n)])
    placed = (scores >= 0.5 * size[:, None]) & (scores > 0)
    total, last_end = scores[0].copy(), np.where(placed[0], ratio * words.cues[0].end + offsets, -np.inf)
    back = np.zeros((n, k), dtype=np.int32)
    back[0] = np.arange(k)
    states = np.arange(k)
    for c in range(1, n):
        cue = words.cues[c]
        # Staying on an offset is free; a cut from state a to state b costs
        # CUT_COST and may not send the cue before the last one matched on
        # a's path. The best a for every b at once: states ranked by that last
        # end, the running best of their totals, and how far b's start reaches
        # (k log k a cue instead of k * k, which hours of media need).
        order = np.argsort(last_end, kind="stable")
        ranked = total[order]
        best_at = np.maximum.accumulate(np.where(ranked == np.maximum.accumulate(ranked), states, 0))
        reach = np.searchsorted(last_end[order], ratio * cue.start + offsets + ORDER_SLACK, "right")
        cut_from = np.where(reach > 0, order[best_at[np.maximum(reach - 1, 0)]], states)
        cut = np.where(reach > 0, total[cut_from] - CUT_COST, -np.inf)
        came = np.where(cut > total, cut_from, states)
        total = np.maximum(cut, total) + scores[c]
        last_end = np.where(placed[c], ratio * cue.end + offsets, last_end[came])
        back[c] = came
    state = int(np.argmax(total))
    path = [state]
    for c in range(n - 1, 0, -1):
        state = int(back[c, state])
        path.append(state)
    return path[::-1]


def _segments(path, offsets):
    """(first cue, last cue, offset) for each stretch of the path on one offset."""
    segments, first = [], 0
    for c in range(1, len(path) + 1):
        if c == len(path) or path[c] != path[first]:
            segments.append((first, c - 1, float(offsets[path[first]])))
            first = c
    return segments


def segment_anchors(words, ratio, offset, first_cue, last_cue):
    """The longest in-order set of subtitle/recognised word pairs near the segment's line.

    Returns (anchors on the line, anchors off it): a cue whose own times are
    wrong has its words off the line, and the aligner still wants to know where.
    """
    pairs = []
    for c in range(first_cue, last_cue + 1):
        for i in words.cue_words.get(c, ()):
            expected = ratio * words.sub_times[i] + offset
            key = words.sub_keys[i]
            times = words.heard_times[key]
            lo = bisect.bisect_left(times, expected - PAIR_TOLERANCE)
            hi = bisect.bisect_right(times, expected + PAIR_TOLERANCE)
            # For one subtitle word, its pairs in decreasing j (see _longest_increasing).
            pairs += [(i, j) for j in sorted(words.heard_in_time[key][lo:hi], reverse=True)]
    chain = _longest_increasing(pairs)
    per_cue = {}
    for i, j in chain:
        per_cue.setdefault(words.cue_of[i], []).append((i, j))
    # A cue with only a common word or two heard near its place is not said
    # there (it may not be said at all): those are chance matches. A cue
    # whose rare words were heard there is said there, however many of its
    # others were misheard. One word alone of a longer cue is chance however
    # rarely it was heard (seed 970164: the "a" of "A goat herder noticed his
    # animals", the rest misheard, matched the next segment's "A scientist").
    chain = [p for c, found in per_cue.items()
             if (sum(words.weight[words.sub_keys[i]] for i, _ in found) >= 0.5 * words.cue_weight(c)
                 and (len(found) > 1 or words.said_words[c] < CHANCE_MATCH_WORDS))
             or sum(words.weight[words.sub_keys[i]] >= RARE_WEIGHT for i, _ in found) >= RARE_WORDS
             for p in found]
    anchors = [Anchor(i, j, words.sub_times[i], words.asr_times[j]) for i, j in chain]
    if not anchors:
        return [], []
    centre = float(np.median([a.media_time - ratio * a.sub_time for a in anchors]))
    on_line = [abs(a.media_time - ratio * a.sub_time - centre) <= RUN_TOLERANCE for a in anchors]
    return ([a for a, on in zip(anchors, on_line) if on], [a for a, on in zip(anchors, on_line) if not on])


def _longest_increasing(pairs):
    """Longest chain of ``pairs`` (i, j) increasing in both members.

    ``pairs`` come in increasing i, and for one i in decreasing j, so that no
    two pairs of one subtitle word can chain (patience sorting on j).
    """
    tails, tail_at, parent = [], [], []
    for n, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        parent.append(tail_at[k - 1] if k else -1)
        if k == len(tails):
            tails.append(j)
            tail_at.append(n)
        else:
            tails[k], tail_at[k] = j, n
    chain, n = [], tail_at[-1] if tail_at else -1
    while n >= 0:
        chain.append(pairs[n])
        n = parent[n]
    return chain[::-1]


def _yield_overlap(runs, anchors, ratio):
    """Trim the last run's anchors heard after the next segment's first one, if fewer than those they hide.

    A cue matched by chance at the end of a segment (one common word of a
    line the media lacks, heard in another line) must not hide the next
    segment's cues, said before it once a stretch was removed. Returns the
    anchors taken out of the runs (strays now).
    """
    if not runs or not anchors:
        return []
    last = runs[-1].anchors
    after = [a for a in last if a.asr >= anchors[0].asr]
    hidden = [a for a in anchors if a.asr <= last[-1].asr]
    if not after or len(after) >= len(hidden):
        return []
    kept = last[:len(last) - len(after)]
    runs.pop()
    if len(kept) >= MIN_RUN_ANCHORS:
        runs.append(_fitted_run(kept, ratio))
        return after
    return kept + after


def _fitted_run(anchors, ratio):
    offset = float(np.median([a.media_time - ratio * a.sub_time for a in anchors]))
    return Run(anchors=anchors, offset=offset, ratio=ratio)


def _merge_jitter(runs, ratio):
    """Join neighbouring segments whose offsets differ by less than MIN_CUT: one stretch of media."""
    merged = []
    for run in runs:
        if merged and abs(run.offset - merged[-1].offset) < MIN_CUT:
            merged.append(_fitted_run(merged.pop().anchors + run.anchors, ratio))
        else:
            merged.append(run)
    return merged


def _fitted_ratio(anchors):
    """Median slope over widely spaced anchor pairs (robust to a few cuts)."""
    if len(anchors) < 20:
        return None
    step = max(1, len(anchors) // 200)
    sample = anchors[::step]
    half = len(sample) // 2
    slopes = [(b.media_time - a.media_time) / (b.sub_time - a.sub_time)
              for a, b in zip(sample[:half], sample[half:]) if b.sub_time - a.sub_time > 10]
    return float(np.median(slopes)) if slopes else None
