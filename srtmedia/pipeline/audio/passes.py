"""What a pass of the recogniser heard, and where it went wrong: the speech to try again.

Whisper tiny, given clips of ~28 s, sometimes derails: it says one phrase
over and over (a loop), gives a sentence's words no time, puts words where
they were not said, or stops early and leaves speech without words. These
functions find such words (to drop) and such speech (to recognise again,
``speech.recognise``); they work on RecognizedWord lists only.
"""
import bisect

MIN_HOLE = 1.0     # seconds of speech with (next to) no word in them worth a second pass
MIN_WORD_RATE = 0.4  # words a second under which the recogniser skipped speech (people say 2-3)
LOOP_REPEATS = 3   # a phrase said this many times in a row is a decoding loop
LOOP_MAX_WORDS = 8
TIMELESS = 0.01    # seconds: a word shorter than this was given no time, as were its neighbours at that instant
TIMELESS_RUN = 3   # so many words in a row given no time at one instant (two can be a clipped "a", "the")
REPEAT_WORDS = 5   # words in a row heard in a hole and elsewhere that show the first pass misplaced them


def stopped_early(clips, again, holes, words):
    """The ``clips`` of a second pass whose decoder heard words but stopped before a hole of
    the clip that is still unheard: the speech after the stop is tried alone."""
    out = []
    unheard = unheard_speech(holes, words)
    for clip in clips:
        ends = [w.end for w in _inside(again, (clip["start"], clip["end"]))]
        if ends and any(in_clip(h, clip) and h[0] >= max(ends) - 0.1 for h in unheard):
            out.append(clip)
    return out


def heard_elsewhere(words, again, holes, least=REPEAT_WORDS):
    """ids of the ``words`` outside the ``holes`` that repeat, ``least`` or more in a row, words
    ``again`` heard in a hole: the first pass heard them but put them in the wrong place.

    A line really said twice, once where the hole is, loses its other
    hearing here, but that speech is then unheard and recognised again.
    """
    ids = {id(w) for w in again}
    old = [w for w in words if id(w) not in ids and not any(_in_hole(w, h) for h in holes)]
    old_keys = [_key(w) for w in old]
    out = set()
    for hole in holes:
        new = [_key(w) for w in _inside(again, hole)]
        grams = {tuple(new[k:k + least]) for k in range(len(new) - least + 1)}
        for k in range(len(old) - least + 1):
            if tuple(old_keys[k:k + least]) in grams:
                out |= {id(w) for w in old[k:k + least]}
    return out


def kept_words(words):
    """``words`` without decoder loops (``drop_loops``) and words given no time (``drop_timeless``)."""
    return drop_timeless(drop_loops(words))


def derailed_clips(clips, said, kept):
    """The ``clips`` some of whose recognised words (``said``) were dropped from ``kept``.

    A word belongs to the last clip starting at or before it: a decoder that
    derails may put words past its clip's end.
    """
    kept_ids = {id(w) for w in kept}
    starts = [c["start"] for c in clips]
    dropped = {max(0, bisect.bisect_right(starts, w.start) - 1) for w in said if id(w) not in kept_ids}
    return [clips[k] for k in sorted(dropped)]


def drop_timeless(words):
    """``words`` without runs of TIMELESS_RUN or more words of no length at one instant.

    Whisper's word timing sometimes fails for the rest of a clip and puts all
    its words at one instant, often the clip's end: where they were said is lost.
    """
    keep = [True] * len(words)
    k = 0
    while k < len(words):
        n = k
        while (n < len(words) and words[n].end - words[n].start < TIMELESS
               and abs(words[n].start - words[k].start) < TIMELESS):
            n += 1
        if n - k >= TIMELESS_RUN:
            keep[k:n] = [False] * (n - k)
        k = max(n, k + 1)
    return [w for w, kept in zip(words, keep) if kept]


def drop_loops(words):
    """``words`` without the phrases repeated LOOP_REPEATS times in a row (decoder loops)."""
    keys = [_key(w) for w in words]
    keep = [True] * len(words)
    k = 0
    while k < len(words):
        span = 0
        for n in range(1, LOOP_MAX_WORDS + 1):
            reps = 1
            while keys[k + reps * n:k + (reps + 1) * n] == keys[k:k + n] and k + (reps + 1) * n <= len(keys):
                reps += 1
            # A single word said three times can be speech ("no, no, no"); a phrase cannot.
            if reps >= LOOP_REPEATS + (n == 1):
                span = max(span, reps * n)
        if span:
            keep[k:k + span] = [False] * span
            k += span
        else:
            k += 1
    return [w for w, kept in zip(words, keep) if kept]


def unheard_speech(speech, words):
    """VAD regions of at least MIN_HOLE seconds in which fewer than MIN_WORD_RATE words a second start."""
    starts = sorted(w.start for w in words)
    holes = []
    for start, end in speech:
        heard = bisect.bisect_right(starts, end) - bisect.bisect_left(starts, start - 0.1)
        if end - start >= MIN_HOLE and heard < MIN_WORD_RATE * (end - start):
            holes.append((start, end))
    return holes


def heard_more(words, again, holes):
    """``words`` with each hole's words taken from ``again`` where it heard more there."""
    for hole in holes:
        old, new = _inside(words, hole), _inside(again, hole)
        if len(new) > len(old):
            dropped = {id(w) for w in old}
            words = [w for w in words if id(w) not in dropped] + new
    return sorted(words, key=lambda w: w.start)


def in_clip(hole, clip):
    """Whether the stretch ``hole`` (start, end) lies in ``clip`` ({start, end}, times rounded to ms)."""
    return clip["start"] - 0.01 <= hole[0] and hole[1] <= clip["end"] + 0.01


def _in_hole(word, hole):
    # From a little before: the recogniser may start a word just before the detector's region.
    return hole[0] - 0.1 <= word.start <= hole[1]


def _inside(words, hole):
    return [w for w in words if _in_hole(w, hole)]


def _key(word):
    return word.text.lower().strip(".,!?;:'\"")
