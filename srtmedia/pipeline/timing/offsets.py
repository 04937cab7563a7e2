"""Candidate offsets of the timing map: where many subtitle words and their hearings agree.

A subtitle word and a recognised word with the same text give one offset
(``media - ratio * subtitle``); offsets many words agree on, within
OFFSET_WINDOW, are the states ``mapping`` chooses among, searched in each
minute of subtitles (a segment is local) and over the whole file.
"""
import numpy as np

OFFSET_WINDOW = 1.0  # seconds of offset agreement that count as one candidate
WINDOW = 60.0        # seconds of subtitles per local search for candidate offsets
PEAKS_PER_WINDOW = 3
MAX_PAIRS_PER_WORD = 20_000  # a word this common ("the" said hundreds of times) tells no offset


def candidate_offsets(words, ratio):
    """Offsets (s) many subtitle words agree on, searched in each minute of subtitles and overall."""
    offsets, sub_times, weights = [], [], []
    for key, subs in words.sub_by_key.items():
        arr = words.asr_array[key]
        if len(subs) * len(arr) > MAX_PAIRS_PER_WORD:
            continue
        s = np.array([words.sub_times[i] for i in subs])
        pair = (arr[None, :] - ratio * s[:, None]).ravel()
        offsets.append(pair)
        sub_times.append(np.repeat(s, len(arr)))
        weights.append(np.full(pair.size, 1.0 / len(arr)))  # each word spreads one vote over its hearings
    if not offsets:
        return np.array([])
    offsets, sub_times, weights = map(np.concatenate, (offsets, sub_times, weights))
    found = _peaks(offsets, weights, 2 * PEAKS_PER_WINDOW)
    end = float(sub_times.max())
    for lo in np.arange(0.0, end + WINDOW / 2, WINDOW / 2):
        inside = (sub_times >= lo) & (sub_times < lo + WINDOW)
        found += _peaks(offsets[inside], weights[inside], PEAKS_PER_WINDOW)
    return np.array(sorted(_dedupe(found)))


def _peaks(offsets, weights, count, min_votes=2.0):
    """Up to ``count`` offsets with the most votes within OFFSET_WINDOW, at least 2 windows apart."""
    if not len(offsets):
        return []
    order = np.argsort(offsets)
    values, cumulative = offsets[order], np.concatenate([[0.0], np.cumsum(weights[order])])
    half = OFFSET_WINDOW / 2
    votes = (cumulative[np.searchsorted(values, values + half, "right")]
             - cumulative[np.searchsorted(values, values - half, "left")])
    found = []
    for k in np.argsort(-votes, kind="stable"):
        if votes[k] < min_votes or len(found) == count:
            break
        if all(abs(values[k] - f) >= 2 * OFFSET_WINDOW for f in found):
            inside = np.abs(values - values[k]) <= half
            found.append(float(np.median(values[inside])))
    return found


def _dedupe(offsets, resolution=0.2):
    out = []
    for o in sorted(offsets):
        if not out or o - out[-1] > resolution:
            out.append(o)
    return out
