"""Words the aligner parked away from their sound, and where they were said.

Forced alignment sometimes parks a short word in a pause, or on a music bed
before the voice, and lets the next word take its sound; the onset snap
(``onsets``) moves such a word to where the sound resumes.
"""
from srtmedia.pipeline.model import TimedWord
from srtmedia.pipeline.timing.energy import BREATH_SPAN

PARKED = 0.25         # seconds a word may end before Whisper heard it start
SYLLABLE = 0.15       # seconds of sound that make a syllable of a word, not another word's tail
VAD_PAD = 0.06        # seconds voice activity regions reach past the voice (speech.py: speech_pad_ms)
WORD_LEAST = 0.03     # seconds: the aligner's least time for a word (one phone, three 10 ms states)
REGION_AFTER = 0.25   # seconds after the end of a word put in a pause that the region it was said in may start


def region_heard_in(energy, word, heard):
    """Start of the voice region Whisper heard a word in that the aligner put wholly before it, or None.

    Under a bed the aligner may park a cue's first word ("For") on the
    music before the voice, where energy finds no pause to move it out of;
    voice activity detection heard no speech there. The word was said where
    its region starts (VAD_PAD before the voice, about a first phone's lead).
    A short syllable of it may lie in the region before, as in ``onsets._after_speech_gap``:
    the tail of the previous word's sound, or the padding of its region.
    """
    gap = energy.speech_gap(word.start, heard + SYLLABLE)
    return (gap[1] if gap is not None and gap[0] - word.start <= SYLLABLE + VAD_PAD and gap[1] >= word.end
            else None)


def region_after(energy, word):
    """Start of the voice region just after a word the aligner put wholly in the pause before it, on
    sound (a bed's), or None.

    Under a bed the aligner may begin a cue's first word on a note in the
    pause, and end it before the voice. With no recogniser's time to say
    so (``region_heard_in``), voice activity detection's pause does: a word
    with a voiced first phone (the caller's to tell) lies in a region,
    unless the sound it was put on is its voice (no more than BREATH_SPAN dB
    under the voice after: the detector missed a short word, "The").
    """
    gap = energy.speech_gap(word.start, word.end + REGION_AFTER)
    if (gap is None or gap[0] > word.start or gap[1] < word.end or energy.voiced(word.start, word.end) < 0.5
            or energy.quieter(word.start, word.end, gap[1] + VAD_PAD) < BREATH_SPAN):
        return None
    return gap[1]


def move_to(timed, k, start):
    """Start word ``k`` at ``start``, ending before the next placed word if it can, else pushing its start."""
    word, after = timed[k], _next_placed(timed, k)
    end = start + (word.end - word.start)
    if after is not None:
        end = max(start + WORD_LEAST, min(end, timed[after].start))
    timed[k] = TimedWord(round(start, 3), round(end, 3), word.confidence)
    _push(timed, after, end)


def move_out_of_silence(timed, k, energy, since=None):
    """A word placed wholly in a pause belongs where the sound resumes, before the next word.

    The aligner sometimes parks a short word in the silence and lets the next
    word absorb its sound; the onset after the pause is where it was said.
    """
    word, after = timed[k], _next_placed(timed, k)
    limit = timed[after].end if after is not None else word.end + 1.0
    onset = energy.onset(word.start if since is None else since, limit)
    if onset is None:
        return
    end = round(onset + (word.end - word.start), 3)
    timed[k] = TimedWord(round(onset, 3), end, word.confidence)
    _push(timed, after, end)


def _next_placed(timed, k):
    """Index of the first word after ``k`` that has a time, or None."""
    return next((j for j in range(k + 1, len(timed)) if timed[j].start is not None), None)


def _push(timed, after, end):
    """Start word ``after`` (if any) no earlier than ``end``, the moved word's end."""
    if after is not None and timed[after].start < end:
        nxt, end = timed[after], round(end, 3)
        timed[after] = TimedWord(end, max(end, nxt.end), nxt.confidence)
