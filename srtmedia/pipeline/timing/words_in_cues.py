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
from srtmedia.pipeline.timing.forced import align_many, is_english, shared_aligner, tokens_for, word_times
from srtmedia.pipeline.audio.media import SAMPLE_RATE
from srtmedia.pipeline.model import TimedWord
from srtmedia.pipeline.text.words import normalize

PAD = 0.35        # seconds of audio searched on either side of a cue
MIN_WINDOW = 0.3  # seconds: a shorter stretch holds no word worth aligning
# Seconds after the cue's placed start that its first word may start (the
# aligner often lets the pause eat a first phone or two); before it, the
# word must at least reach past the start (the aligner often stretches a
# first word back over the pause instead).
ONSET_LATE = 0.35
SHORTEST = 0.02   # seconds: a word shorter than this was squeezed in, not said
# The words fit the speech (it is in the subtitles' language, not a
# translation) when their median confidence reaches MATCH_CONFIDENCE, over at
# least MATCH_SHARE of the cues. Measured on bench/languages.py cases (espeak
# speech): same language 0.90-0.94, Spanish words over English speech
# 0.83-0.85 (the LibriVox reading under Spanish cues too). English words have
# the acoustic model's own phones and score higher either way: 0.95 (espeak)
# and 0.97 (LibriVox) on their speech, 0.89 over Spanish or Russian speech.
MATCH_SHARE = 0.5
MATCH_CONFIDENCE = 0.87
MATCH_CONFIDENCE_ENGLISH = 0.92


def can_align(language):
    """True when espeak-ng is installed and speaks ``language``."""
    from srtmedia.pipeline.timing import espeak

    return espeak.available() and espeak.voice_for(language) is not None


def align_in_cues(audio, words, cue_times, language, is_cancelled=None, keep_cue_starts=True, threads=0):
    """A TimedWord (or None where alignment failed or the cue was not found) per word.

    ``cue_times``: per cue, an object with ``start``, ``end`` and ``found``
    (``speech_timing.CueTime``), in media seconds. The audio searched for a cue
    reaches PAD beyond it, but never past the middle of the gap to a neighbour.
    A cue keeps its start: its first word starts there. The placement rests
    on onsets finer than the aligner's 10 ms frames, and the aligner tends to
    stretch a first word back over the pause before it (bench/languages.py:
    cue starts 1-2 ms median either way, but one German cue 120 ms early when
    the aligner's start was taken). A first word the aligner parked in the
    pause before it lasts until the next word; if it put the first word more
    than ONSET_LATE after it, or the next word before it, the cue's
    alignment is not used.
    ``keep_cue_starts=False`` leaves the aligner's own times (bench/wordtiming.py).
    Long media are aligned on every core (or ``threads``).
    """
    cancelled = is_cancelled or (lambda: False)
    tasks = list(_tasks(audio, words, cue_times, language))
    if cancelled():
        raise Cancelled()
    # One espeak-ng batch here, so that the processes align_many may fork have every word.
    shared_aligner().ensure_words([t for _, _, tokens, _ in tasks for ts in tokens for t in ts])
    results = align_many(audio, [span for _, _, _, span in tasks], threads)
    if cancelled():
        raise Cancelled()
    timed = [None] * len(words)
    for (place, own, tokens, _), times in zip(tasks, results):
        placed = word_times(tokens, times) if times is not None else []
        first = next((t for t in placed if t is not None), None)
        if first is None:
            continue
        if keep_cue_starts:
            k = placed.index(first)
            following = next((t.start for t in placed[k + 1:] if t is not None), None)
            # A first word parked in the pause before the cue lasts until the next word.
            end = first.end if first.end > place.start + SHORTEST else following
            if first.start - place.start > ONSET_LATE or end is None or end <= place.start + SHORTEST:
                continue
            placed[k] = TimedWord(round(place.start, 3), round(end, 3), first.confidence)
        for w, t in zip(own, placed):
            timed[w.id] = t
    return timed


def _tasks(audio, words, cue_times, language):
    """(cue time, its spoken words, their tokens, the align job) for each found cue worth aligning."""
    members = {}
    for w in words:
        members.setdefault(w.cue_index, []).append(w)
    order = sorted(range(len(cue_times)), key=lambda i: cue_times[i].start)
    for rank, i in enumerate(order):
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
        yield place, own, tokens, (lo, hi, [t for ts in tokens for t in ts])


def speech_matches(timed, words, cue_times, language):
    """True when the aligned words of ``language`` fit the speech well enough to be the words said in it."""
    wanted = {w.cue_index for w in words if not w.sound and cue_times[w.cue_index].found}
    aligned = {w.cue_index for w, t in zip(words, timed) if t is not None}
    confidence = [t.confidence for t in timed if t is not None]
    return (bool(wanted) and len(aligned & wanted) >= MATCH_SHARE * len(wanted)
            and float(np.median(confidence)) >= (MATCH_CONFIDENCE_ENGLISH if is_english(language)
                                                 else MATCH_CONFIDENCE))


def window(start, end, before, after, duration):
    """Seconds ``(lo, hi)`` of audio searched for a cue's words."""
    lo, hi = start - PAD, end + PAD
    if before is not None:
        lo = max(lo, min(start, (before + start) / 2))
    if after is not None:
        hi = min(hi, max(end, (end + after) / 2))
    return max(0.0, lo), min(duration, hi)

