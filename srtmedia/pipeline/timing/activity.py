"""Timing from speech activity alone: the map from subtitle time to media time in any language.

When the subtitle words cannot be matched to recognised words (a language
the recogniser does not know, or a translation), the cues' own rhythm still
says where they go: a cue belongs on speech, the gap between two cues on a
pause. The map is piecewise linear and increasing, as in ``mapping``: one
ratio for the file (among the usual frame-rate conversions) and an offset
that is constant between cuts.

For each candidate ratio a dynamic programme runs over the cues, in order,
with the offsets on a grid as its states: a cue scores the seconds of speech
it covers less the seconds of silence, where the offset puts it; changing
offset between two cues costs ``SPLIT_COST`` seconds. The ratio whose best
path scores most wins; each segment's offset is then refined to 10 ms. Where
the offset drops at a cut (a stretch of media removed), the cues the media
lacks would lie on top of their neighbours' speech: they are found as the
stretch whose removal lets both sides fit best, and marked as not spoken.
"""
import math
from dataclasses import dataclass, field

import numpy as np

from srtmedia.pipeline.timing.mapping import CANDIDATE_RATIOS, MIN_CUT

FRAME = 0.01           # seconds per frame of the speech signal
SILENCE_WEIGHT = 1.0   # a second of silence under a cue costs what a second of speech gains
SPLIT_COST = 2.0       # seconds of net speech cover a change of offset must win back
MAX_STATES = 20_000    # offsets on the grid of the global search (its step grows with the media)
MIN_STEP = 0.1         # seconds between offsets on that grid
REFINE_STEP = FRAME
ORDER_SLACK = 0.3      # seconds a cue may overlap the one before it across a cut
DROP_COST = 1.0        # seconds of net speech cover a cue left out is taken to lose
RATIO_COST = 0.5       # seconds of net speech cover a ratio other than 1 must win
DRIFT_SIGNIFICANCE = 4.0  # standard errors a drift of the cues' offsets must stand out by
CLOSE_RATIO = 2 * SPLIT_COST  # coarse score within which a ratio is fitted in full
ONSET_NEAR = 0.25      # seconds from a cue start within which a lone speech onset is its own
MIN_ONSETS = 3         # cue starts with an onset a segment needs before they move it
MIN_COVER = 0.25       # share of a cue that must lie on speech for it to count as found
SAME_OFFSET = 0.05     # neighbouring segments closer than this are one
SAME_PLACE = 0.15      # candidate offsets closer than this are one


@dataclass
class Segment:
    """Cues ``first``..``last`` (inclusive), all at ``offset``: media = ratio * subtitle + offset."""

    first: int
    last: int
    offset: float


@dataclass
class SpeechMap:
    """What the search found: the ratio, the segments in cue order, and cues the media lacks."""

    ratio: float
    segments: list
    dropped: set = field(default_factory=set)
    score: float = 0.0

    def offset_of(self, cue):
        for segment in self.segments:
            if segment.first <= cue <= segment.last:
                return segment.offset
        return self.segments[-1].offset

    def media_time(self, cue, sub_time):
        return self.ratio * sub_time + self.offset_of(cue)


class SpeechSignal:
    """Speech (+1) and silence (-SILENCE_WEIGHT) over media time, integrated for fast sums."""

    def __init__(self, speech, duration, pauses=()):
        frames = max(1, int(math.ceil(duration / FRAME)))
        value = np.full(frames, -SILENCE_WEIGHT)
        for start, end in speech:
            value[max(0, int(round(start / FRAME))):max(0, int(round(end / FRAME)))] = 1.0
        for start, end in pauses:
            value[max(0, int(round(start / FRAME))):max(0, int(round(end / FRAME)))] = -SILENCE_WEIGHT
        self.integral = np.concatenate([[0.0], np.cumsum(value) * FRAME])
        self.frames = frames

    def cumulative(self, t, between=True):
        """The integral from 0 to ``t`` (array); before and after the media is silence.

        ``between``: linear between frames, so the score of an offset between
        two frames is not a step (what tells neighbouring ratios apart); the
        coarse search takes the nearest frame, three times faster.
        """
        k = np.asarray(t) / FRAME
        inside = np.clip(k, 0, self.frames)
        if between:
            below = np.minimum(inside.astype(np.int64), self.frames - 1)
            value = self.integral[below] + (inside - below) * (self.integral[below + 1] - self.integral[below])
        else:
            value = self.integral[np.rint(inside).astype(np.int64)]
        return value - SILENCE_WEIGHT * (k - inside) * FRAME

    def cover(self, start, end, between=True):
        """Net seconds of speech between ``start`` and ``end`` (arrays broadcast)."""
        return self.cumulative(end, between) - self.cumulative(start, between)


def fit_map(speech, spans, duration, onsets=None, ratios=CANDIDATE_RATIOS, split_cost=SPLIT_COST, pauses=()):
    """The SpeechMap that best lays the cue ``spans`` [(start, end)] over ``speech`` [(start, end)].

    ``onsets`` are where the speech of each region is first heard (default:
    where voice activity starts); the segments are settled on them at the end.

    Every ratio is searched on the coarse grid; those that come close to the
    best there (neighbouring ratios drift apart by only a tenth of a second
    in a few minutes) are fitted in full and compared at 10 ms.
    """
    if not spans:
        return SpeechMap(1.0, [], set(), 0.0)
    signal = SpeechSignal(speech, duration)
    # Pauses inside voice activity sharpen the choice among the offsets found, not the search for them.
    sharp = SpeechSignal(speech, duration, pauses) if len(pauses) else signal
    starts, ends = np.array([s for s, _ in spans]), np.array([max(s, e) for s, e in spans])
    coarse = [(ratio, *_best_path(signal, ratio * starts, ratio * ends, duration, split_cost)) for ratio in ratios]
    top = max(score for _, score, _, _ in coarse)
    best = None
    for ratio, score, segments, step in coarse:
        if score < top - CLOSE_RATIO:
            continue
        found = _fit_ratio(signal, sharp, ratio, ratio * starts, ratio * ends, segments, step, split_cost)
        # Neighbouring ratios fit a short file alike: the file is taken as not re-timed unless
        # another ratio fits clearly better.
        found.score -= 0.0 if ratio == 1.0 else RATIO_COST
        if best is None or found.score > best.score:
            best = found
    # The ratio the trend of the cues' own offsets points to, if it is another candidate.
    trend = best.ratio * (1 + _drift(signal, best.ratio * starts, best.ratio * ends, best, coarse[0][3]))
    nearest = min(ratios, key=lambda r: abs(math.log(r / trend)))
    if nearest != best.ratio and abs(math.log(trend / best.ratio)) > 0.75 * abs(math.log(nearest / best.ratio)):
        ratio, _, segments, step = next(c for c in coarse if c[0] == nearest)
        other = _fit_ratio(signal, sharp, ratio, ratio * starts, ratio * ends, segments, step, split_cost)
        if other.score >= best.score - SPLIT_COST:
            best = other
    _settle_on_onsets(sorted(onsets or (start for start, _ in speech)), best.ratio * starts, best)
    return best


def _settle_on_onsets(onsets, starts, speech_map):
    """Move each segment so its cue starts meet the speech onsets near them (the median gap).

    The cover of speech fixes a segment to the middle of its plateau, but
    voice activity lingers longer after speech than it leads before it, and
    cue ends are the loosest part of a subtitler's timing; the starts are
    what the result is judged by.
    """
    onsets = np.array(onsets)
    for segment in speech_map.segments:
        gaps = []
        for i in range(segment.first, segment.last + 1):
            if i in speech_map.dropped:
                continue
            at = starts[i] + segment.offset
            near = onsets[np.searchsorted(onsets, at - ONSET_NEAR):np.searchsorted(onsets, at + ONSET_NEAR)]
            if len(near) == 1:
                gaps.append(near[0] - at)
        if len(gaps) >= MIN_ONSETS:
            segment.offset = round(segment.offset + float(np.median(gaps)), 3)


def _fit_ratio(signal, sharp, ratio, starts, ends, segments, step, split_cost):
    """The SpeechMap at one ratio from its coarse segments: ordered, refined and scored at 10 ms.

    ``sharp`` is the speech with the pauses inside voice activity taken out:
    the ordered path and the score use it.
    """
    offsets = []
    for segment in _refine(signal, starts, ends, segments, step):
        if all(abs(segment.offset - o) >= SAME_PLACE for o in offsets):
            offsets.append(segment.offset)
    placed = _ordered_path(sharp, starts, ends, np.array(offsets), split_cost)
    segments = []
    for i, k in enumerate(placed):
        if k >= 0 and not (segments and segments[-1].offset == offsets[k]):
            segments.append(Segment(i, i, offsets[k]))
        elif segments:
            segments[-1].last = i
    if not segments:
        return SpeechMap(ratio, [Segment(0, len(starts) - 1, 0.0)], set(range(len(starts))), -math.inf)
    segments[0].first = 0
    dropped = {i for i, k in enumerate(placed) if k < 0}
    segments = _merge(_refine(signal, starts, ends, segments, step, dropped))
    kept = np.array([i not in dropped for i in range(len(starts))])
    offsets = np.empty(len(starts))
    for segment in segments:
        offsets[segment.first:segment.last + 1] = segment.offset
    score = (float(sharp.cover(starts[kept] + offsets[kept], ends[kept] + offsets[kept]).sum())
             - split_cost * (len(segments) - 1) - DROP_COST * len(dropped))
    return SpeechMap(ratio, segments, dropped, score)


def _offset_grid(starts, ends, duration):
    """Offsets that put at least one cue inside the media, MIN_STEP apart or further."""
    lo, hi = -float(ends.max()), duration - float(starts.min())
    step = max(MIN_STEP, (hi - lo) / MAX_STATES)
    return np.arange(lo, hi + step, step), step


def _best_path(signal, starts, ends, duration, split_cost):
    """(score, [Segment], grid step) of the best path over the offset grid, for cue spans already scaled."""
    grid, step = _offset_grid(starts, ends, duration)
    total = signal.cover(starts[0] + grid, ends[0] + grid, between=False)
    jumps, sources = [], []
    for i in range(1, len(starts)):
        source = int(np.argmax(total))
        jump = total[source] - split_cost
        jumped = jump > total
        total = np.where(jumped, jump, total) + signal.cover(starts[i] + grid, ends[i] + grid, between=False)
        jumps.append(np.packbits(jumped))
        sources.append(source)
    state = int(np.argmax(total))
    score = float(total[state])
    path = [state]
    for i in range(len(starts) - 1, 0, -1):
        if np.unpackbits(jumps[i - 1], count=len(grid))[state]:
            state = sources[i - 1]
        path.append(state)
    path.reverse()
    segments = []
    for i, state in enumerate(path):
        if segments and path[i - 1] == state:
            segments[-1].last = i
        else:
            segments.append(Segment(i, i, float(grid[state])))
    return score, segments, step


def _refine(signal, starts, ends, segments, step, dropped=()):
    """Each segment's offset to REFINE_STEP: the median of its cues' own best offsets (see ``_centres``)."""
    refined = []
    for segment in segments:
        members = [i for i in range(segment.first, segment.last + 1) if i not in dropped]
        _, centres = _centres(signal, starts, ends, members, segment.offset, step)
        offset = float(np.median(centres)) if len(centres) else segment.offset
        refined.append(Segment(segment.first, segment.last, round(offset, 3)))
    return refined


def _centres(signal, starts, ends, members, offset, step):
    """(cues, their own best offsets) for those of ``members`` that tell one, near ``offset``.

    A cue covers its speech equally well over a range of offsets (its speech
    is padded, its times are a subtitler's): the middle of that range is its
    own best offset. A cue inside long speech fits anywhere and tells none;
    the median of the rest is not pulled by a cue half outside the media or
    timed badly by hand.
    """
    if not members:
        return np.array([], dtype=np.int64), np.array([])
    candidates = offset + np.arange(-2 * step, 2 * step + REFINE_STEP / 2, REFINE_STEP)
    members = np.array(members)
    scores = signal.cover(starts[members, None] + candidates, ends[members, None] + candidates)
    best = scores >= scores.max(axis=1, keepdims=True) - FRAME / 2
    telling = ~best.all(axis=1)
    centres = (best[telling] * candidates).sum(axis=1) / best[telling].sum(axis=1)
    return members[telling], centres


def _drift(signal, starts, ends, speech_map, step):
    """How much faster than the map's ratio the cues' own best offsets run (a slope; 0 when right).

    Neighbouring frame-rate ratios differ by 0.1 %: a tenth of a second in a
    few minutes, inside the padding of voice activity, so the cover of
    speech hardly tells them apart; the trend of the cues' offsets does.
    """
    xs, ys = [], []
    for segment in speech_map.segments:
        members = [i for i in range(segment.first, segment.last + 1) if i not in speech_map.dropped]
        cues, centres = _centres(signal, starts, ends, members, segment.offset, step)
        if len(cues) >= 3:
            xs.append(starts[cues] - starts[cues].mean())
            ys.append(centres - np.median(centres))
    if not xs:
        return 0.0
    x, y = np.concatenate(xs), np.concatenate(ys)
    inliers = np.abs(y) < 2 * step
    x, y = x[inliers], y[inliers]
    spread = float((x ** 2).sum())
    if len(x) < 5 or spread <= 0:
        return 0.0
    slope = float((x * y).sum() / spread)
    # Only a trend well clear of the scatter of hand-made cue times counts.
    error = math.sqrt(float(((y - slope * x) ** 2).sum()) / (len(x) - 2) / spread)
    return slope if abs(slope) > DRIFT_SIGNIFICANCE * error else 0.0


def _merge(segments):
    merged = []
    for segment in segments:
        if merged and abs(segment.offset - merged[-1].offset) < SAME_OFFSET:
            merged[-1].last = segment.last
        else:
            merged.append(segment)
    return merged


def _ordered_path(signal, starts, ends, offsets, split_cost=SPLIT_COST):
    """For each cue the index of its offset in ``offsets``, or -1 where the media lacks it.

    The same programme as ``_best_path`` over a few offsets, but a cue may
    never start before the end of the last cue placed ahead of it at another
    offset: across a removed stretch, the cues the media lacks are left out
    (each at the cost of ``DROP_COST``) instead of lying on their neighbours'
    speech. ``top`` keeps, per offset, the best earlier cue to come from
    (its score plus the drops it saves), so each cue costs one look per pair
    of offsets, however many cues before it are left out.
    """
    n, m = len(starts), len(offsets)
    cover = signal.cover(starts[:, None] + offsets, ends[:, None] + offsets)      # (cue, offset)
    reach = np.maximum.accumulate(ends)          # the latest end among the cues up to each one
    columns, other = np.arange(m), ~np.eye(m, dtype=bool)
    best, top = np.empty((n, m)), np.empty((n, m))
    top_at = np.empty((n, m), dtype=np.int64)
    came = np.full((n, m, 2), -1, dtype=np.int64)                                     # (cue, offset) before
    for j in range(n):
        value = np.full(m, -DROP_COST * j)                                            # every cue before dropped
        if j:
            stay = top[j - 1] - DROP_COST * (j - 1)
            use = stay > value
            value = np.where(use, stay, value)
            came[j, use, 0], came[j, use, 1] = top_at[j - 1][use], columns[use]
            # From offset a (rows) to b (columns): the last cue placed at a must end before j starts at b.
            limit = starts[j] + offsets[None, :] - offsets[:, None] + ORDER_SLACK
            last = np.minimum(np.searchsorted(reach, limit, side="right") - 1, j - 1)
            feasible = (last >= 0) & other
            last = np.maximum(last, 0)
            jump = np.where(feasible, top[last, columns[:, None]] - DROP_COST * (j - 1) - split_cost, -np.inf)
            a = np.argmax(jump, axis=0)
            leap = jump[a, columns]
            use = leap > value
            value = np.where(use, leap, value)
            came[j, use, 0], came[j, use, 1] = top_at[last[a, columns], a][use], a[use]
        best[j] = value + cover[j]
        gained = best[j] + DROP_COST * j
        if j:
            newer = gained > top[j - 1]
            top[j], top_at[j] = np.where(newer, gained, top[j - 1]), np.where(newer, j, top_at[j - 1])
        else:
            top[j], top_at[j] = gained, 0
    ending = best - DROP_COST * (n - 1 - np.arange(n))[:, None]
    j, k = np.unravel_index(int(np.argmax(ending)), ending.shape)
    placed = [-1] * n
    while j >= 0:
        placed[j] = int(k)
        j, k = came[j, k]
    return placed


def cover_share(speech_signal, start, end):
    """Share of [start, end] that is speech (0..1)."""
    if end <= start:
        return 0.0
    net = float(speech_signal.cover(np.array(start), np.array(end)))
    # net = speech - w * silence and speech + silence = length
    return max(0.0, min(1.0, (net + SILENCE_WEIGHT * (end - start)) / ((1 + SILENCE_WEIGHT) * (end - start))))


def cut_count(speech_map):
    """Changes of offset big enough to be an edit rather than timing jitter."""
    return sum(abs(b.offset - a.offset) >= MIN_CUT for a, b in zip(speech_map.segments, speech_map.segments[1:]))
