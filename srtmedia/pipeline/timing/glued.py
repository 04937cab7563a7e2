"""Words the aligner glued onto the previous word's end, over a pause they were said after.

With no room for a short pause, forced alignment runs a word from where the
previous one stops: its start lies on that word's tail, or on a breath or
a click in the pause, and its voice follows the pause (``onsets``).
"""
from srtmedia.pipeline.timing.energy import VOICE_SPAN
from srtmedia.pipeline.timing.parked import SYLLABLE

PAUSE = 0.05          # seconds: the window Energy.pause looks for silence with
LEAD_VOICED = 0.05    # seconds of sound before voicing a voiced first phone explains (a stop's burst)
GLUED_PAUSE = 0.1     # seconds of a pause's floor at a glued word's start that are no closure in running speech
PAUSE_DEPTH = 20.0    # dB the voice after such a pause rises over its floor
# ... or, where a bed's notes die away between them (its quietest moments lie under a pause's floor),
# seconds of the trough that make a pause (longer than a stop's closure) at the level of the bed's
# quieter tenth (a quiet syllable, louder, is the word's own).
BED_PAUSE = 0.12
BED_QUIETEST = 10
TAIL_RISE = 1.0       # dB the tail of the previous word a glued word opens on may swell by (its last vowel)


def past_tail(energy, word, lead):
    """Where a word glued onto the previous word's end starts when it opens on that word's tail and a pause, or None.

    With no room for a short pause (a comma's), the aligner runs the next
    word from where the previous one stops, over the pause: its start then
    lies on the tail of the previous word's sound (no louder than its end,
    under a syllable long), then GLUED_PAUSE or more at the floor of the
    pauses around (silence, or a bed), and the voice rises PAUSE_DEPTH dB
    out of it. A voiced first phone cannot be that floor; an unvoiced one
    (a quiet f or th) can, so the caller leaves those words as aligned.
    """
    found = energy.speech_onset(word.start, word.end, lead)
    trough = energy.trough(word.start, found[0]) if found is not None else None
    if trough is None:
        return None
    first, last, floor = trough
    length = round(last - first, 2)
    if (first - word.start > SYLLABLE or length < GLUED_PAUSE
            or not (energy.pause_level(floor, first)
                    or (length >= BED_PAUSE and energy.pause_level(floor, first, quietest=BED_QUIETEST)))
            or energy.loudest(word.start, first) > energy.loudest(word.start - PAUSE, word.start) + TAIL_RISE
            or energy.loudest(found[1], found[1] + 0.2) - floor < PAUSE_DEPTH):
        return None
    return found[0]


def pause_after_unvoiced(energy, word, lead):
    """Where the pause starts after a glued word with a voiced first phone but no voice, then voice: or None.

    The aligner may run a short word ("and") from the previous word's end
    onto a breath or a click in the pause, and the next word over the
    rest of the pause onto its voice. A word with no voiced frame whose
    first phone is voiced, on sound VOICE_SPAN dB under the voice after
    the pause (GLUED_PAUSE or more at the pauses' floor) that follows, was
    not said there: it belongs after that pause.
    """
    if energy.has_voice(word.start, word.end):
        return None
    voice = energy.speech_onset(word.end, word.end + 2 * GLUED_PAUSE + SYLLABLE, lead)
    trough = energy.trough(word.start, voice[0]) if voice is not None else None
    if trough is None:
        return None
    start, end, floor = trough
    if (energy.quieter(word.start, start, voice[1]) < VOICE_SPAN or round(end - start, 2) < GLUED_PAUSE
            or not energy.pause_level(floor, start)):
        return None
    return start
