"""Word timings inside cues already placed on their speech, in any language espeak-ng speaks.

When the subtitles' words cannot be matched to recognised words (a language
the recogniser does not know), the cues are placed from the timing of speech
(``speech_timing``); each cue's words are then force-aligned in the audio
around it: espeak-ng's pronunciations in the subtitle's language, mapped to
the nearest phones of the en-us acoustic model (``forced``). Measured against
eSpeak synthesis plus DTW (aeneas's method) in ``bench/wordtiming.py``: on
speech that differs from the synthesiser's own voice, DTW loses the tail
(90th percentile 100-550 ms) where phone alignment keeps it under 50 ms.
"""
import numpy as np

from srtmedia.pipeline.errors import Cancelled
from srtmedia.pipeline.forced import shared_aligner, tokens_for, word_times
from srtmedia.pipeline.media import SAMPLE_RATE
from srtmedia.pipeline.model import TimedWord
from srtmedia.pipeline.text import normalize

PAD = 0.35        # seconds of audio searched on either side of a cue
MIN_WINDOW = 0.3  # seconds: a shorter stretch holds no word worth aligning


def align_in_cues(audio, words, cue_times, language, is_cancelled=None):
    """A TimedWord (or None where alignment failed or the cue was not found) per word.

    ``cue_times``: per cue, an object with ``start``, ``end`` and ``found``
    (``speech_timing.CueTime``), in media seconds. The audio searched for a cue
    reaches PAD beyond it, but never past the middle of the gap to a neighbour.
    """
    cancelled = is_cancelled or (lambda: False)
    aligner = shared_aligner()
    members = {}
    for w in words:
        members.setdefault(w.cue_index, []).append(w)
    timed = [None] * len(words)
    order = sorted(range(len(cue_times)), key=lambda i: cue_times[i].start)
    for rank, i in enumerate(order):
        if cancelled():
            raise Cancelled()
        place = cue_times[i]
        own = [w for w in members.get(i, []) if not w.sound]
        if not place.found or not own:
            continue
        before = cue_times[order[rank - 1]].end if rank else None
        after = cue_times[order[rank + 1]].start if rank + 1 < len(order) else None
        lo, hi = window(place.start, place.end, before, after, len(audio) / SAMPLE_RATE)
        if hi - lo < MIN_WINDOW:
            continue
        tokens = [tokens_for(normalize(w.text), language) for w in own]
        samples = (np.clip(audio[int(lo * SAMPLE_RATE):int(hi * SAMPLE_RATE)], -1, 1) * 32767).astype(np.int16)
        times = aligner.align(samples, [t for ts in tokens for t in ts], lo)
        if times is not None:
            for w, placed in zip(own, word_times(tokens, times)):
                timed[w.id] = placed
    return timed


def window(start, end, before, after, duration):
    """Seconds ``(lo, hi)`` of audio searched for a cue's words."""
    lo, hi = start - PAD, end + PAD
    if before is not None:
        lo = max(lo, min(start, (before + start) / 2))
    if after is not None:
        hi = min(hi, max(end, (end + after) / 2))
    return max(0.0, lo), min(duration, hi)

