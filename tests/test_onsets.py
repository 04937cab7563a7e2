"""Word starts after a pause land on the speech, not on a breath or a music bed."""
import numpy as np
import pytest

from srtmedia.pipeline.audio.media import SAMPLE_RATE
from srtmedia.pipeline.model import TimedWord
from srtmedia.pipeline.timing.energy import Energy
from srtmedia.pipeline.timing.onsets import snap_to_onsets

from conftest import synthesize


def _seconds(t):
    return np.zeros(int(t * SAMPLE_RATE), np.float32)


def _breath(length=0.25, level=0.03, seed=0):
    """Breath-like: band-limited noise with a swell, no pitch."""
    rng = np.random.default_rng(seed)
    noise = np.convolve(rng.standard_normal(int(length * SAMPLE_RATE)), np.ones(8) / 8, mode="same")
    return (noise * np.hanning(len(noise)) * level / np.abs(noise).max()).astype(np.float32)


def _hum(length, level=0.02):
    """A quiet periodic tone, as a music bed is."""
    t = np.arange(round(length * SAMPLE_RATE)) / SAMPLE_RATE
    return (level * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


@pytest.mark.parametrize("gap", [0.08, 0.17])
def test_a_breath_before_a_word_is_not_its_start(gap):
    word = synthesize("Morning")
    audio = np.concatenate([_seconds(1.0), _breath(), _seconds(gap), word, _seconds(0.5)])
    said = 1.25 + gap
    # The aligner took the breath for the word's first phone.
    timed = [TimedWord(1.0, said + 0.4, 0.9)]
    energy = Energy(audio, speech=[(0.95, said + len(word) / SAMPLE_RATE)])
    snap_to_onsets(timed, energy, first_phones={0: "M"})
    assert abs(timed[0].start - said) <= 0.03, (timed[0], said)


def test_a_music_bed_in_the_pause_is_not_the_start():
    word = synthesize("Good morning")
    pause = _hum(1.0, level=0.01)
    audio = np.concatenate([_seconds(0.5), pause, word, _seconds(0.5)])
    # Voice activity detection heard speech only from the word on.
    timed = [TimedWord(0.6, 1.9, 0.9)]
    energy = Energy(audio, speech=[(1.44, 1.5 + len(word) / SAMPLE_RATE)])
    snap_to_onsets(timed, energy, first_phones={0: "G"})
    assert abs(timed[0].start - 1.5) <= 0.03, timed[0]


def test_a_word_start_out_of_silence_is_the_rise_of_its_sound():
    word = synthesize("Sunday")
    audio = np.concatenate([_seconds(1.0), word, _seconds(0.5)])
    timed = [TimedWord(1.06, 1.5, 0.9)]  # the pause ate the s
    energy = Energy(audio, speech=[(0.95, 1.0 + len(word) / SAMPLE_RATE)])
    snap_to_onsets(timed, energy, first_phones={0: "S"})
    assert abs(timed[0].start - 1.0) <= 0.02, timed[0]


def test_a_voice_out_of_silence_starts_its_word_though_voice_activity_detection_starts_late():
    word = synthesize("Our own")
    audio = np.concatenate([_seconds(1.0), word, _seconds(0.5)])
    # After music or a long pause the detector may start its region 150 ms into the voice.
    timed = [TimedWord(0.96, 1.3, 0.9)]
    energy = Energy(audio, speech=[(1.15, 1.0 + len(word) / SAMPLE_RATE)])
    snap_to_onsets(timed, energy, first_phones={0: "AW"})
    assert abs(timed[0].start - 1.0) <= 0.03, timed[0]


def test_a_cue_start_glued_to_the_previous_sentence_moves_to_where_whisper_heard_it():
    before, word = synthesize("the end of it"), synthesize("And")
    audio = np.concatenate([_seconds(0.5), before, _seconds(0.3), word, _seconds(0.5)])
    end_of_before = 0.5 + len(before) / SAMPLE_RATE
    said = end_of_before + 0.3
    # The aligner stretched "and" back over the pause onto the previous word's tail.
    timed = [TimedWord(0.5, end_of_before - 0.05, 0.9), TimedWord(end_of_before - 0.05, said + 0.2, 0.9)]
    energy = Energy(audio, speech=[(0.45, said + 0.4)])
    snap_to_onsets(timed, energy, heard_at={1: said + 0.03}, first_phones={0: "DH", 1: "AE"})
    assert abs(timed[1].start - said) <= 0.03, (timed[1], said)


def test_a_word_glued_over_a_pause_a_music_bed_fills_starts_where_the_voice_resumes():
    before, after = synthesize("the timetable office"), synthesize("The answer")
    said = 0.5 + len(before) / SAMPLE_RATE + 0.4
    voice = np.concatenate([before, _seconds(0.4), after])
    bed = voice + _hum(len(voice) / SAMPLE_RATE, level=0.01)  # no silence left in the pause
    audio = np.concatenate([_seconds(0.5), bed, _seconds(0.5)])
    # The aligner stretched "The" back over the pause to the end of "office";
    # voice activity detection heard the pause (its regions are padded by 60 ms).
    timed = [TimedWord(0.5, said - 0.4, 0.9), TimedWord(said - 0.4, said + 0.1, 0.9)]
    energy = Energy(audio, speech=[(0.44, said - 0.34), (said - 0.06, 0.5 + len(voice) / SAMPLE_RATE + 0.06)])
    assert energy.pause(said - 0.4, said) is None
    snap_to_onsets(timed, energy, heard_at={1: said + 0.02}, first_phones={1: "DH"})
    assert abs(timed[1].start - said) <= 0.07, (timed[1], said)



@pytest.mark.parametrize("region_end", [0.74, 0.62])  # before the word; a short syllable into it
def test_a_word_parked_on_a_bed_before_its_voice_region_starts_at_that_region(region_end):
    before, after = synthesize("the timetable office"), synthesize("For a long time")
    said = 0.5 + len(before) / SAMPLE_RATE + 0.8
    voice = np.concatenate([before, _seconds(0.8), after])
    bed = voice + _hum(len(voice) / SAMPLE_RATE, level=0.02)  # no silence left in the pause
    audio = np.concatenate([_seconds(0.5), bed, _seconds(0.5)])
    # The aligner parked "For" on the bed at the chunk's start, well before
    # Whisper heard it; voice activity detection heard no speech there.
    timed = [TimedWord(0.5, said - 0.8, 0.9), TimedWord(said - 0.7, said - 0.6, 0.9),
             TimedWord(said + 0.12, said + 0.3, 0.9)]
    energy = Energy(audio, speech=[(0.44, said - region_end), (said - 0.06, 0.5 + len(voice) / SAMPLE_RATE + 0.06)])
    snap_to_onsets(timed, energy, heard_at={1: said + 0.08}, first_phones={1: "F"})
    assert abs(timed[1].start - said) <= 0.07, (timed[1], said)
    assert timed[1].end <= timed[2].start

def _note(length=0.08, level=0.05, pitch=330.0):
    """A note of a music bed: periodic, struck, dying away."""
    t = np.arange(int(length * SAMPLE_RATE)) / SAMPLE_RATE
    return (level * np.sin(2 * np.pi * pitch * t) * np.exp(-t / (length / 3))).astype(np.float32)


def test_a_note_before_silence_and_the_word_is_not_its_start():
    word = synthesize("Morning")
    voice = np.abs(word).max()
    # A note 12 dB under the voice: too loud for a breath, but the aligner
    # began the word after the silence that follows it.
    audio = np.concatenate([_seconds(1.14), _note(level=voice / 4), _seconds(0.06), word, _seconds(0.5)])
    said = 1.28
    timed = [TimedWord(said - 0.02, said + 0.4, 0.9)]
    energy = Energy(audio, speech=[(0.95, said + len(word) / SAMPLE_RATE)])
    snap_to_onsets(timed, energy, first_phones={0: "M"})
    assert abs(timed[0].start - said) <= 0.03, (timed[0], said)


def test_a_short_word_on_its_own_sound_stays_though_whisper_heard_it_late():
    before, word, after = synthesize("the end"), synthesize("It"), synthesize("sits there")
    said = 0.5 + len(before) / SAMPLE_RATE + 0.5
    audio = np.concatenate([_seconds(0.5), before, _seconds(0.5), word, _seconds(0.06), after, _seconds(0.5)])
    end_of_it = said + len(word) / SAMPLE_RATE
    timed = [TimedWord(0.5, said - 0.5, 0.9), TimedWord(said, end_of_it + 0.05, 0.9),
             TimedWord(end_of_it + 0.05, end_of_it + 0.6, 0.9)]
    energy = Energy(audio, speech=[(0.45, said - 0.44), (said - 0.06, end_of_it + 0.8)])
    # Whisper's word times are coarse: it heard "It" 0.6 s late, past a stop of the next word.
    snap_to_onsets(timed, energy, heard_at={1: said + 0.6}, first_phones={1: "IH"})
    assert abs(timed[1].start - said) <= 0.03, (timed[1], said)


def test_a_stop_inside_a_word_after_a_bed_is_not_its_start():
    # A voiced syllable, a stop's silent closure, a second syllable: "maybe".
    t = np.arange(int(0.15 * SAMPLE_RATE)) / SAMPLE_RATE
    syllable = (0.3 * np.sin(2 * np.pi * 140 * t)).astype(np.float32)
    word = np.concatenate([syllable, _seconds(0.04), syllable])
    # A bed up to the word leaves no silence before it: the closure is the first.
    audio = np.concatenate([_seconds(0.5), _hum(1.0, level=0.01), word, _seconds(0.5)])
    said = 1.5
    timed = [TimedWord(said, said + 0.34, 0.9)]
    energy = Energy(audio, speech=[(1.44, said + 0.4)])
    snap_to_onsets(timed, energy, first_phones={0: "M"})
    assert abs(timed[0].start - said) <= 0.03, (timed[0], said)


def test_a_loud_note_before_silence_is_not_an_unvoiced_first_phone():
    word = synthesize("Sunday")
    voice = np.abs(word).max()
    # A note of the bed only 6 dB under the voice, 60 ms of silence, then the
    # s: a hiss cannot be a periodic sound, however loud.
    audio = np.concatenate([_seconds(1.0), _note(length=0.15, level=voice / 2, pitch=220.0), _seconds(0.06),
                            word, _seconds(0.5)])
    said = 1.21
    timed = [TimedWord(1.05, said + 0.4, 0.9)]  # the aligner began the word on the note
    energy = Energy(audio, speech=[(0.95, said + len(word) / SAMPLE_RATE)])
    snap_to_onsets(timed, energy, first_phones={0: "S"})
    assert abs(timed[0].start - said) <= 0.03, (timed[0], said)


def test_a_word_parked_on_the_floor_of_a_pause_a_bed_fills_starts_at_its_voice():
    before, after = synthesize("the timetable office"), synthesize("Answer")
    said = 0.5 + len(before) / SAMPLE_RATE + 0.4
    voice = np.concatenate([before, _seconds(0.4), after])
    # A steady bed ~23 dB under the voice (8 over VOICE_SPAN) and ~9 over the silence
    # threshold: no silence and no dip in the pause.
    bed = voice + _hum(len(voice) / SAMPLE_RATE, level=np.abs(after).max() / 40)
    audio = np.concatenate([_seconds(0.5), bed, _seconds(0.5)])
    timed = [TimedWord(0.5, said - 0.4, 0.9), TimedWord(said - 0.4, said + 0.3, 0.9)]
    # Voice activity detection heard no pause; Whisper heard the word at its voice.
    energy = Energy(audio, speech=[(0.44, 0.5 + len(voice) / SAMPLE_RATE + 0.06)])
    assert energy.pause(said - 0.4, said) is None
    snap_to_onsets(timed, energy, heard_at={1: said + 0.05}, first_phones={1: "AE"})
    assert abs(timed[1].start - said) <= 0.05, (timed[1], said)


@pytest.mark.parametrize("text", ["spreads", "still", "sky"])
def test_the_hiss_of_an_s_before_a_stop_starts_the_word_after_a_sound_that_is_not_its_own(text):
    # Another's syllable, silence, then "s", the stop's closure, the voice.
    before, word = synthesize("and")[-int(0.13 * SAMPLE_RATE):], synthesize(text)
    said = 1.18 + 0.05
    audio = np.concatenate([_seconds(1.05), before, _seconds(0.05), word, _seconds(0.5)])
    # The aligner began the word on the end of the syllable.
    timed = [TimedWord(said - 0.08, said + len(word) / SAMPLE_RATE, 0.9)]
    energy = Energy(audio, speech=[(0.95, said + len(word) / SAMPLE_RATE + 0.05)])
    snap_to_onsets(timed, energy, first_phones={0: "S"})
    assert abs(timed[0].start - said) <= 0.02, (timed[0], said)


def test_an_unvoiced_first_phone_begun_on_a_hiss_is_not_moved_onto_the_voice_before_it():
    before, word = synthesize("this"), synthesize("system")
    audio = np.concatenate([_seconds(1.0), before, word, _seconds(0.5)])
    said = 1.0 + len(before) / SAMPLE_RATE
    energy = Energy(audio, speech=[(0.95, said + len(word) / SAMPLE_RATE)])
    # The aligner began "system" on the s of "this" (unvoiced, after its vowel),
    # the previous word lying in another cue: the rise at 1.0 s is "this".
    timed = [TimedWord(said - 0.1, said + 0.5, 0.9)]
    snap_to_onsets(timed, energy, first_phones={0: "S"}, reach=0.3)
    assert timed[0].start >= said - 0.1, (timed[0], said)


def _bed_before(word, sound, floor=0.002):
    """``the end of it``, 0.06 s of a bed's floor, ``sound`` running into ``word``: (audio, times).

    times: (the previous word's end, where ``sound`` starts, where ``word`` starts).
    """
    before = synthesize("the end of it")
    voice = np.concatenate([before, _hum(0.06, level=floor), sound, word])
    audio = np.concatenate([_seconds(0.5), voice, _seconds(0.5)])
    end = 0.5 + len(before) / SAMPLE_RATE
    return audio, (end, end + 0.06, end + 0.06 + len(sound) / SAMPLE_RATE)


@pytest.mark.parametrize("pitch", [65.4, 73.4])
def test_a_bed_note_running_into_a_word_glued_on_is_not_its_start(pitch):
    word = synthesize("And")
    t = np.arange(int(0.12 * SAMPLE_RATE)) / SAMPLE_RATE
    # A low note of the bed ~15 dB under the voice, held into the word: no dip between.
    note = (np.abs(word).max() / 12 * np.sin(2 * np.pi * pitch * t)).astype(np.float32)
    audio, (end, _, said) = _bed_before(word, note)
    timed = [TimedWord(end - 0.3, end, 0.9), TimedWord(end, said + 0.3, 0.9)]
    energy = Energy(audio, speech=[(0.44, said + 0.4)])
    snap_to_onsets(timed, energy, heard_at={1: said + 0.1}, first_phones={1: "AE"})
    assert abs(timed[1].start - said) <= 0.03, (timed[1], said)


def test_a_quiet_start_of_the_word_at_its_own_pitch_stays():
    word = synthesize("And")
    # The word's own first 120 ms, 15 dB quieter: a soft onset, not a note.
    cut = int(0.12 * SAMPLE_RATE)
    audio, (end, said, _) = _bed_before(word[cut:], word[:cut] / 6)
    timed = [TimedWord(end - 0.3, end, 0.9), TimedWord(said, said + 0.4, 0.9)]
    energy = Energy(audio, speech=[(0.44, said + 0.5)])
    snap_to_onsets(timed, energy, heard_at={1: said + 0.1}, first_phones={1: "AE"})
    assert abs(timed[1].start - said) <= 0.02, (timed[1], said)


def test_a_word_the_map_placed_in_a_pause_stays_and_does_not_push_the_next_one_late():
    before, after = synthesize("the end"), synthesize("They agreed")
    end = 0.5 + len(before) / SAMPLE_RATE
    said = end + 0.6
    audio = np.concatenate([_seconds(0.5), before, _seconds(0.6), after, _seconds(0.5)])
    # Forced alignment failed: the map put the sentence's last word in the pause its cue runs on into.
    timed = [TimedWord(0.5, end, 0.9), TimedWord(end + 0.2, end + 0.4, 0.1), TimedWord(said + 0.02, said + 0.22, 0.1)]
    energy = Energy(audio, speech=[(0.44, end + 0.06), (said - 0.06, said + len(after) / SAMPLE_RATE + 0.06)])
    snap_to_onsets(timed, energy, first_phones={1: "EH", 2: "DH"}, guessed={1, 2})
    assert timed[1] == TimedWord(end + 0.2, end + 0.4, 0.1)
    assert abs(timed[2].start - said) <= 0.03, (timed[2], said)


@pytest.mark.parametrize("pitch", [98.0, 196.0])
def test_a_bed_note_at_the_voices_pitch_after_a_pause_is_not_the_start_of_the_word_glued_over_it(pitch):
    before, word = synthesize("the end of it"), synthesize("They agreed")
    t = np.arange(int(0.3 * SAMPLE_RATE)) / SAMPLE_RATE
    # A note 12 dB under the voice, at its pitch (or an octave up), dying away
    # into the word: neither energy nor pitch parts them.
    note = (np.abs(word).max() / 4 * np.sin(2 * np.pi * pitch * t) * np.exp(-t / 0.1)).astype(np.float32)
    audio = np.concatenate([_seconds(0.5), before, _seconds(0.08), note, word, _seconds(0.5)])
    end = 0.5 + len(before) / SAMPLE_RATE
    said = end + 0.38
    # The aligner glued "They" to "it"; voice activity detection heard the
    # pause, note and all, and Whisper heard the word after it.
    timed = [TimedWord(0.5, end, 0.9), TimedWord(end, said + 0.2, 0.9)]
    energy = Energy(audio, speech=[(0.44, end + 0.06), (said - 0.06, said + len(word) / SAMPLE_RATE + 0.06)])
    snap_to_onsets(timed, energy, heard_at={1: said + 0.02}, first_phones={1: "DH"})
    assert abs(timed[1].start - said) <= 0.07, (timed[1], said)


@pytest.mark.parametrize("bed", [0.0, 0.004])
def test_a_word_glued_onto_the_previous_ones_tail_starts_after_the_comma_pause(bed):
    before, after = synthesize("as large as Africa,"), synthesize("when in reality")
    end_of_before = 0.5 + len(before) / SAMPLE_RATE
    said = end_of_before + 0.15
    voice = np.concatenate([_seconds(0.5), before, _seconds(0.15), after, _seconds(0.5)])
    audio = voice + _hum(len(voice) / SAMPLE_RATE, level=bed)
    # The aligner gave the pause no room: "when" runs from a little before
    # the end of "Africa," over the pause.
    glued = end_of_before - 0.04
    timed = [TimedWord(end_of_before - 0.5, glued, 0.9), TimedWord(glued, said + 0.15, 0.9)]
    energy = Energy(audio, speech=[(0.45, said + len(after) / SAMPLE_RATE + 0.06)])
    snap_to_onsets(timed, energy, first_phones={0: "AE", 1: "W"})
    assert abs(timed[1].start - said) <= 0.03, (timed[1], said)


@pytest.mark.parametrize("closure, quiet", [(0.06, 0.0), (0.0, 0.03)])
def test_a_glued_word_opening_on_a_closure_or_a_quiet_syllable_stays(closure, quiet):
    t = np.arange(int(0.15 * SAMPLE_RATE)) / SAMPLE_RATE
    loud = (0.3 * np.sin(2 * np.pi * 140 * t)).astype(np.float32)
    # A stop's closure, or a quiet first syllable 20 dB under the voice but
    # far over the pauses' silence: the word's own, not a pause.
    opening = np.concatenate([_seconds(closure), (quiet * np.sin(2 * np.pi * 140 * t[:1920])).astype(np.float32)]) if quiet else _seconds(closure)
    audio = np.concatenate([_seconds(0.5), loud, opening, loud, _seconds(0.5)])
    # The aligner began the word on the previous one's last 30 ms.
    glued = 0.62
    timed = [TimedWord(0.5, glued, 0.9), TimedWord(glued, 0.65 + len(opening) / SAMPLE_RATE + 0.15, 0.9)]
    energy = Energy(audio, speech=[(0.44, 1.2)])
    snap_to_onsets(timed, energy, first_phones={0: "M", 1: "AH"})
    assert timed[1].start == glued, timed[1]


def test_a_note_running_into_the_hiss_of_an_unvoiced_first_phone_is_not_its_start():
    rng = np.random.default_rng(1)
    hiss = (0.05 * rng.standard_normal(int(0.08 * SAMPLE_RATE))).astype(np.float32)
    t = np.arange(int(0.2 * SAMPLE_RATE)) / SAMPLE_RATE
    vowel = (0.3 * np.sin(2 * np.pi * 140 * t)).astype(np.float32)
    # A bed's note 20 dB under the voice, then with no dip the s of "so":
    # note and hiss together are no longer than an s may lead its voice.
    audio = np.concatenate([_seconds(1.0), _hum(0.08, level=0.03), hiss, vowel, _seconds(0.5)])
    said = 1.08
    timed = [TimedWord(said, said + 0.3, 0.9)]
    energy = Energy(audio, speech=[(0.95, 1.5)])
    snap_to_onsets(timed, energy, first_phones={0: "S"})
    assert abs(timed[0].start - said) <= 0.03, timed[0]


def test_a_word_glued_onto_a_breath_in_the_pause_moves_to_the_voice_after_it():
    t = np.arange(int(0.2 * SAMPLE_RATE)) / SAMPLE_RATE
    vowel = (0.3 * np.sin(2 * np.pi * 140 * t)).astype(np.float32)
    # A breath straight after the previous word, 20 dB under the voice, then silence.
    breath = (0.02 * np.random.default_rng(2).standard_normal(int(0.09 * SAMPLE_RATE))).astype(np.float32)
    audio = np.concatenate([_seconds(0.5), vowel, breath, _seconds(0.17), vowel, vowel, _seconds(0.5)])
    said = 0.96
    # The aligner put "and" on the breath and the next word over the rest of the pause.
    timed = [TimedWord(0.5, 0.7, 0.9), TimedWord(0.7, 0.79, 0.9), TimedWord(0.79, said + 0.3, 0.9)]
    energy = Energy(audio, speech=[(0.44, said + 0.46)])
    snap_to_onsets(timed, energy, first_phones={0: "M", 1: "AH", 2: "M"})
    assert abs(timed[1].start - said) <= 0.03 and timed[2].start >= timed[1].end, timed


def test_an_unvoiced_first_phone_begun_on_a_bed_notes_tail_starts_at_its_hiss():
    hiss = (0.05 * np.random.default_rng(3).standard_normal(int(0.08 * SAMPLE_RATE))).astype(np.float32)
    t = np.arange(int(0.2 * SAMPLE_RATE)) / SAMPLE_RATE
    vowel = (0.3 * np.sin(2 * np.pi * 140 * t)).astype(np.float32)
    # A bed over the silence level, a louder note of it, then with no dip the s of "so".
    audio = np.concatenate([_seconds(1.0), _hum(0.5, level=0.015), _hum(0.1, level=0.06), hiss, vowel,
                            _seconds(0.5)])
    said = 1.6
    # The aligner began the s on the note's last 20 ms.
    timed = [TimedWord(said - 0.02, said + 0.25, 0.9)]
    energy = Energy(audio, speech=[(1.45, 2.0)])
    snap_to_onsets(timed, energy, first_phones={0: "S"})
    assert abs(timed[0].start - said) <= 0.03, timed[0]


@pytest.mark.parametrize("aligned", [-0.02, 0.1])
def test_noise_running_into_a_voiced_first_phone_is_not_its_start(aligned):
    t = np.arange(int(0.25 * SAMPLE_RATE)) / SAMPLE_RATE
    vowel = (0.3 * np.sin(2 * np.pi * 140 * t)).astype(np.float32)
    # A bed's beat or a breath, 15 dB under the voice and longer than a b leads it, runs with no dip into it.
    noise = (0.03 * np.random.default_rng(4).standard_normal(int(0.17 * SAMPLE_RATE))).astype(np.float32)
    audio = np.concatenate([_seconds(1.0), noise, vowel, _seconds(0.5)])
    said = 1.17
    # The aligner stretched the word back over the noise, or began it inside.
    timed = [TimedWord(1.0 + aligned, said + 0.25, 0.9)]
    energy = Energy(audio, speech=[(0.95, 1.5)])
    snap_to_onsets(timed, energy, first_phones={0: "B"})
    assert abs(timed[0].start - said) <= 0.03, timed[0]


def test_a_short_word_voice_activity_detection_missed_before_a_stops_closure_stays():
    first, rest = synthesize("It"), synthesize("observation")
    said, after = 1.0, 1.0 + len(first) / SAMPLE_RATE + 0.04
    audio = np.concatenate([_seconds(1.0), first, _seconds(0.04), rest, _seconds(0.5)])
    # The detector's region starts at the next word; the aligner put all of "it" before it.
    timed = [TimedWord(said - 0.02, after, 0.9), TimedWord(after, after + 0.7, 0.9)]
    energy = Energy(audio, speech=[(after - 0.06, after + len(rest) / SAMPLE_RATE)])
    snap_to_onsets(timed, energy, first_phones={0: "IH", 1: "AA"})
    assert abs(timed[0].start - said) <= 0.03, timed[0]


def test_a_word_parted_from_other_speech_keeps_its_start_unless_it_opens_on_silence_with_no_closure():
    word = synthesize("entrance")
    audio = np.concatenate([_seconds(0.5), word, _seconds(0.5)])
    energy = Energy(audio, speech=[(0.44, 0.56 + len(word) / SAMPLE_RATE)])
    end = 0.5 + len(word) / SAMPLE_RATE
    moved, kept, vowel = ([TimedWord(0.3, end, 0.9)] for _ in range(3))
    snap_to_onsets(moved, energy, first_phones={0: "EH"})
    # Aligned with the last words of a line run on into it, the aligner's start is the boundary:
    # a first phone with a closure ("d") may open on silence...
    snap_to_onsets(kept, energy, first_phones={0: "D"}, parted={0})
    # ... a vowel may not.
    snap_to_onsets(vowel, energy, first_phones={0: "EH"}, parted={0})
    assert moved[0].start > 0.4 and kept[0].start == 0.3 and abs(vowel[0].start - moved[0].start) <= 0.02


def test_a_voiced_word_put_wholly_on_a_bed_note_in_a_pause_the_detector_heard_starts_in_the_next_region():
    word = synthesize("none of this")
    note = _hum(0.3, level=float(np.abs(word).max()) / 8)
    audio = np.concatenate([_seconds(0.2), note, word, _seconds(0.5)])
    said = 0.5
    # The aligner put "none" on the note and ended it before the voice; no recogniser heard it.
    timed = [TimedWord(0.22, 0.45, 0.9)]
    energy = Energy(audio, speech=[(0.0, 0.05), (said - 0.03, said + len(word) / SAMPLE_RATE)])
    snap_to_onsets(timed, energy, first_phones={0: "N"})
    assert abs(timed[0].start - said) <= 0.05, timed[0]
