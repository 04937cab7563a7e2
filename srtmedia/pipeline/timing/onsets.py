"""Word starts on the sound of speech: the snap of starts after a pause onto their voice (energy.py measures it).

PocketSphinx often lets the leading silence eat the first phone of a word
after a pause, or stretches the word back over the pause; the rise of the
sound out of silence is the better start. But not every sound before a word
is the word: a reader's breath, a lip click, a music bed. So only sound in a
voice activity region counts; a rise that is faint (VOICE_SPAN dB under the
voice) and lies further before the first voiced frames (periodic, as vowels,
nasals and voiced consonants are) than the word's first phone reaches is not
the word, whose start is then the sound leading into its voice; and where no
silence precedes the word (a bed, noise), the aligner's start stands if the
first phone explains it, since sound can hide a quiet f or h from energy.
Under a bed, voice activity detection still hears the pause energy cannot:
a word stretched back across a gap between its regions starts after the
gap, and a word with a voiced first phone starts inside its region. A note
of the bed that runs into the voice with no dip is told by its pitch (notes).
"""
from srtmedia.pipeline.model import TimedWord
from srtmedia.pipeline.timing.energy import BREATH_SPAN, VOICE_SPAN, VOICING_LAG
from srtmedia.pipeline.timing.glued import LEAD_VOICED, PAUSE, past_tail, pause_after_unvoiced
from srtmedia.pipeline.timing.notes import rise_past_note
from srtmedia.pipeline.timing.parked import (PARKED, SYLLABLE, VAD_PAD, move_out_of_silence, move_to, region_after,
                                             region_heard_in)

OWN_SPAN = 3.0        # dB under the voice after a silence a sound before it must be, to be another's
# ... and the unvoiced ones: a fricative's hiss, an aspiration or a burst.
LEADS = {"S": 0.2, "SH": 0.2, "F": 0.2, "TH": 0.2, "CH": 0.15, "HH": 0.1, "P": 0.1, "T": 0.1, "K": 0.1}
CLOSED = {"B", "D", "G", "JH"}  # voiced first phones that open on a closure's silence
VAD_EARLY = 0.15      # seconds a word may start before voice activity detection's region does
REGION_LEAD = 0.5     # seconds (a short word or two) a late chunk start may cut off the start of a voice region
VAD_LATE = 0.25       # seconds a region may start after a voice that rises out of silence (after music, a long pause)


def snap_to_onsets(timed, energy, heard_at=None, first_phones=None, reach=0.15, guessed=frozenset(),
                   run_on=(), parted=()):
    """Move word starts that follow a pause onto the start of their speech.

    Words in running speech are left as aligned. ``heard_at`` maps word
    indices to where Whisper heard them start; ``first_phones`` to the first
    phone of their pronunciation. ``guessed``: words the map placed where
    forced alignment failed. Words in ``run_on`` follow other speech (a
    line the subtitles lack) with no pause: they are not moved earlier, onto it.
    Words in ``parted`` were aligned with that speech's last words, which
    parted them from it: their start stands (a rise after a stop's closure
    inside the word is no pause before it), unless a first phone with no
    closure (a vowel, a nasal, w, l, r) was begun on a pause's floor.
    """
    first_phones = first_phones or {}
    heard_at = heard_at or {}
    previous_end = 0.0
    for k, word in enumerate(timed):
        if word.start is None:
            continue
        # A short word glued to the end of the previous sentence (or parked in
        # the silence) while Whisper heard it after the pause: the next word
        # has taken its sound. A word on sound of its own after a pause is
        # where it was said, however late Whisper heard it.
        heard = heard_at.get(k, 0.0)
        lead = LEADS.get(first_phones.get(k), LEAD_VOICED)
        parked = word.start - previous_end < 0.02 or energy.voiced(word.start, word.end) < 0.5
        if k in parted:
            onset = past_tail(energy, word, lead) if first_phones.get(k) not in CLOSED and lead <= LEAD_VOICED else None
            if onset is not None:
                timed[k] = TimedWord(round(onset, 3), word.end, word.confidence)
            previous_end = word.end
            continue
        region = region_heard_in(energy, word, heard) if heard - word.start > PARKED else None
        if region is None and lead <= LEAD_VOICED and k not in guessed:
            region = region_after(energy, word)
        if region is not None:
            move_to(timed, k, region)
            previous_end = timed[k].end
            continue
        pause = energy.pause(word.end, heard) if parked and heard - word.end > PARKED else None
        if pause is not None:
            move_out_of_silence(timed, k, energy, since=pause)
            previous_end = timed[k].end
            continue
        # A word stretched from the end of the previous sentence over the
        # pause, which Whisper heard after it: it starts where the sound
        # resumes. (A syllable's worth of sound before the pause is the word's own.)
        pause = energy.pause(word.start, min(word.end, heard)) if heard - word.start > PARKED else None
        glued = parked and pause is not None and energy.voiced(word.start, pause - 0.025) * (pause - word.start) < SYLLABLE
        # From the start of the quiet stretch: its centre may lie in the word's own first sound.
        # The aligner's start, glued on, tells nothing there; Whisper's does.
        onset = _own_onset(energy, energy.onset(pause - PAUSE / 2, word.end), word, lead, heard) if glued else None
        if parked and pause is not None:
            onset = _past_bed(energy, word, onset, lead)
        if pause is None and (heard - word.start > PARKED or k not in heard_at):
            onset = _after_speech_gap(energy, word)
            if onset is None and parked and heard - word.start > PARKED:
                # Glued on over a bed that fills the pause: the sound leading into its voice.
                onset = _start_over_sound(energy, word.start, word, lead)
        if onset is not None:
            timed[k] = TimedWord(round(_past_note(energy, onset, word, lead), 3), word.end, word.confidence)
            previous_end = word.end
            continue
        # After a pause, or where the word opens on silence (the aligner
        # stretched it back over the pause instead of inserting one).
        if word.start - previous_end >= 0.02 or k == 0 or energy.voiced(word.start, word.start + 0.05) < 0.5:
            # Search to the word's end: a word stretched over the pause starts at its first sound.
            lo = max(previous_end, word.start - (0.0 if k in run_on else reach))
            lo = lo if k in run_on else min(lo, _region_lead(energy, previous_end, word))
            onset = _speech_start(energy, lo, word, lead)
            if onset is not None and onset < word.end:
                timed[k] = TimedWord(round(onset, 3), word.end, word.confidence)
            elif energy.voiced(word.start, word.end) < 0.3 and k not in guessed:
                # Only the aligner parks a word in a pause: one the map placed there is where its
                # cue's times put it (a sentence's last word in the pause its cue runs on into),
                # and moved onto the next sound it would push that sound's own word late.
                move_out_of_silence(timed, k, energy)
        elif lead <= LEAD_VOICED and k not in run_on:
            onset = past_tail(energy, word, lead)
            if onset is not None:
                timed[k] = TimedWord(round(onset, 3), word.end, word.confidence)
            elif (pause := pause_after_unvoiced(energy, word, lead)) is not None:
                move_out_of_silence(timed, k, energy, since=pause)
        onset = _past_note(energy, timed[k].start, timed[k], lead)
        if onset != timed[k].start:
            timed[k] = TimedWord(round(onset, 3), timed[k].end, timed[k].confidence)
        previous_end = timed[k].end


def _region_lead(energy, previous_end, word):
    """Where the search for the start of a word after a pause may begin: its voice region's start, or the word's.

    The aligner, given a chunk that starts late, begins the first word on a
    later syllable. Sound that voice activity detection heard run on with
    no pause into the word, in a region no earlier word lies in, is no
    other word's: the word's start is sought from the region's, if that
    lies no more than REGION_LEAD before the word (further, the aligner
    began the word on other sound, a bed or a line the subtitles lack).
    """
    region = energy.speech_start(word.start)
    if (previous_end < region < word.start and word.start - region <= REGION_LEAD
            and energy.pause(region + VAD_PAD, word.start) is None):
        return region - VAD_EARLY
    return word.start


def _past_note(energy, start, word, lead):
    """``start``, or where the voice rises out of a bed note that a word with a voiced first phone was begun on."""
    onset = rise_past_note(energy, start, word.end, lead + VOICING_LAG) if lead <= LEAD_VOICED else None
    return start if onset is None else onset


def _after_speech_gap(energy, word):
    """Where a word glued over a pause that a music bed or noise fills starts, or None.

    Energy finds no silence there, but voice activity detection hears the
    voice stop and start again: the word (which Whisper, if it matched it,
    heard after the gap) starts where the voice resumes, at the next region's
    start (VAD_PAD before the voice), unless more than a short syllable of it
    lies before the gap.
    """
    gap = energy.speech_gap(word.start, word.end)
    # A word that begins in the gap is not glued: its first sound (a hiss the
    # detector may miss) can lead its region.
    if gap is None or not 0 < gap[0] - word.start <= SYLLABLE + VAD_PAD or gap[1] >= word.end - SYLLABLE / 3:
        return None
    return gap[1]


def _past_bed(energy, word, onset, lead):
    """Where a word glued over a pause starts when a bed's note fills part of it: ``onset``, or the voice's return.

    Energy's pause may be only the dip between the previous word and a note
    of the bed, which then passes for a syllable of the word (no ``onset``)
    or for its start. Voice activity detection heard the voice stop and
    start again (Whisper, which heard the word late, may begin it on the
    note): a sound further before the gap's end than the first phone
    reaches is the bed's.
    """
    resumes = _after_speech_gap(energy, word)
    if resumes is None:
        return onset
    if onset is not None and onset >= resumes - max(VAD_EARLY, lead):
        return onset
    return resumes


def _speech_start(energy, lo, word, lead):
    """Where a word after a pause starts: the rise of its sound out of silence, if that leads to its voice.

    Returns None where no start can be told from the sound (the aligner's stands).
    """
    # Music or noise in the pause is loud, even periodic, but voice activity
    # detection did not call it speech: the word starts in the speech region its end lies in.
    region = energy.speech_start(word.end)
    start = _rise_into_voice(energy, max(lo, region - VAD_EARLY), word, lead)
    if lead <= LEAD_VOICED and word.start < region:
        # The aligner began before the region, on the bed: a voiced first
        # phone is in the region, which starts VAD_PAD before the voice,
        # unless the detector was late to a voice that silence precedes.
        whole = word.end <= region + VAD_PAD
        rise = _rise_before_region(energy, lo if whole else max(lo, region - VAD_LATE), region, lead, whole)
        if rise is not None and (start is None or start <= region):
            return rise
        return region if start is None else max(start, region)
    if lead <= LEAD_VOICED and start is not None and start < region:
        # The aligner began in the region; a sound before it is the bed's.
        return None
    return start


def _rise_before_region(energy, lo, region, lead, whole=False):
    """Where a voice that voice activity detection's ``region`` starts late on rises out of silence, or None.

    After music or a long pause the detector may start the region 100-200 ms
    into the voice. A bed fills the pause before its notes, or parts them
    from the voice by a silence, and a note struck just before the voice
    lies within the region's padding: only loud voice (``Energy.speech_onset``)
    voiced VAD_PAD or more before the region, led into straight from
    silence and sounding on into the region, starts the word before it.
    ``whole``: the aligner put all of the word before the region (the
    detector missed a short word, a stop's closure after it): that voice,
    sought from where the aligner began the word, need not sound on into
    the region.
    """
    found = energy.speech_onset(lo, region, lead)
    if found is None or found[1] > region - VAD_PAD:
        return None
    onset = found[0]
    if energy.last_silence(onset - PAUSE, onset) is None or (
            not whole and energy.last_silence(onset, region) is not None):
        return None
    return onset


def _rise_into_voice(energy, lo, word, lead):
    onset = energy.onset(lo, word.end)
    if onset is not None and onset > word.start:
        voice = energy.speech_onset(lo, onset, lead)
        if voice is not None and word.start - LEAD_VOICED <= voice[1] <= onset - VOICING_LAG:
            # The word's voice, where the aligner put the word, began before
            # this rise (a bed filled the pause before it): the rise follows
            # a stop inside the word, not its start.
            onset = None
    if onset is None:
        return _start_over_sound(energy, lo, word, lead)
    return _own_onset(energy, onset, word, lead)


def _own_onset(energy, onset, word, lead, said_at=None):
    """Where the word starts, given the first rise of sound ``onset`` before it; None: the aligner's start stands.

    ``said_at``: where a recogniser began the word, if not the aligner (whose
    start, only, is fine enough to tell silence it began after).

    A sound before the voice that the first phone cannot explain is not the
    word when silence parts it from the voice and it is faint beside it (a
    breath, a click, the bed rising over silence), or when it is fainter
    still and the aligner, which heard the word's phones, began the word
    nearer the voice than the sound (a bed or noise hovering at the silence
    level). Nor is a sound the word when the aligner began the word after
    silence that follows it (a louder note of the bed, a cough): the word
    starts where the sound rises again. Nor, however loud, is a voiced sound
    that silence parts from the lead into the voice, when the first phone is
    unvoiced (a hiss or a burst is not periodic).
    """
    if onset is None:
        return None
    # Whisper's starts are coarse: they tell apart only sounds a syllable apart.
    apart = 0.0 if said_at is None else SYLLABLE
    said_at = word.start if said_at is None else said_at
    found = energy.speech_onset(onset, word.end, lead)
    if found and found[1] - lead > onset and (
            energy.faint(onset, found[0], found[1])
            or (said_at - onset > found[0] - said_at and found[0] - onset > apart
                and energy.quieter(onset, found[0], found[1]) >= VOICE_SPAN)):
        return _lead_after(energy, onset, found, lead)
    if found and lead <= LEAD_VOICED and _unvoiced_lead_in(energy, onset, found, lead):
        return _lead_after(energy, onset, found, lead)
    if found and found[1] - lead > onset and lead > LEAD_VOICED and energy.voiced_before_silence(onset, found[0]):
        # A voiced sound, then silence, then the lead into the voice: an
        # unvoiced first phone (a hiss, a burst) cannot be that sound, which is
        # a note of a bed or another's word however loud it is.
        return _lead_after(energy, onset, found, lead)
    hiss = _hiss_after_note(energy, onset, found[1], lead) if found else None
    if hiss is not None:
        return hiss
    quiet = energy.last_silence(onset, word.start)
    again = energy.onset(quiet, word.end) if quiet is not None else None
    # A sound as loud as the voice after the silence is the word's own: a vowel
    # before a stop's closure ("It" = vowel, 40 ms of silence, burst), not a note.
    if again is not None and again - onset > lead and energy.quieter(onset, quiet, again) >= OWN_SPAN:
        return again
    if found and found[1] < word.start and lead > LEAD_VOICED and not energy.periodic(word.start, word.start + 0.03):
        # The aligner began an unvoiced first phone on unvoiced sound after
        # this voice (a hiss it heard as the phone): the voice is another word's.
        return None
    return onset


def _unvoiced_lead_in(energy, onset, found, lead):
    """Whether the sound from ``onset`` into the lead ``found`` (Energy.speech_onset) of a voiced first phone is not the word.

    A voiced consonant is periodic, as its voice is; sound that reaches
    further before the voice than the phone does (a stop's burst), mostly
    aperiodic and BREATH_SPAN dB under the voice, is a bed's beat, noise or
    a breath, even with no silence between it and the voice.
    """
    return (found[1] - onset > lead + VOICING_LAG and not energy.periodic(onset, found[0])
            and energy.quieter(onset, found[0], found[1]) >= BREATH_SPAN)


def _hiss_after_note(energy, onset, voiced_at, lead):
    """Where an unvoiced first phone begins when the sound from ``onset`` opens voiced, or None.

    A voiced sound (a bed's note) running with no dip into a hiss or a
    burst that leads into the voice at ``voiced_at``: the phone is the hiss.
    """
    hiss = energy.unvoiced_after_voice(onset, voiced_at) if lead > LEAD_VOICED else None
    return hiss if hiss is not None and voiced_at - hiss <= lead + VOICING_LAG else None


def _lead_after(energy, sound, found, lead):
    """Where the lead into the voice ``found`` (Energy.speech_onset) begins after the silence ending a ``sound``.

    The lead may hold a stop's closure of its own ("sp", "st", "sk": the hiss,
    silence, the burst): the hiss after the silence that ends the sound
    starts the word, if the first phone reaches that far before the voice.
    """
    rise = energy.onset(sound, found[1])
    if rise is None or rise >= found[0] or found[1] - rise > lead + VOICING_LAG:
        return found[0]
    # Without a closure before the lead, it begins where the voice's sound does ("h" rising into it).
    closed = energy.last_silence(rise, found[0]) is not None
    return rise if closed and energy.stands_out(rise, found[0]) else found[0]


def _start_over_sound(energy, lo, word, lead):
    """A word start where no silence precedes it (a music bed, noise): by its voice, or None."""
    found = energy.speech_onset(lo, word.end, lead)
    if found is None:
        return None
    onset, voiced_at = found
    if voiced_at - lead <= word.start <= voiced_at:
        # A start the first phone explains. Sound can hide a quiet first
        # phone (an f, an h) from energy, not from the aligner, which heard it.
        return None
    if word.start > voiced_at and lead > LEAD_VOICED:
        hiss = energy.unvoiced_after_voice(onset, word.start + LEAD_VOICED + VOICING_LAG)
        if hiss is not None and abs(hiss - word.start) <= LEAD_VOICED:
            # The aligner began an unvoiced first phone at a hiss after this
            # voice, not past a phone it lost: the voice is a bed's note.
            return hiss
    if (word.start > voiced_at or word.start < lo or energy.dips(word.start, onset)
            or energy.quieter(word.start, word.start + PAUSE, voiced_at) >= VOICE_SPAN):
        # The aligner lost the first phone, or began before the speech, or on
        # sound that a dip separates from the voice (the bed, a breath), or on
        # the floor of a pause a bed fills, far under the voice.
        return _hiss_after_note(energy, onset, voiced_at, lead) or onset
    return None
