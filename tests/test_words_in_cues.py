"""Word timings inside placed cues, in languages the recogniser does not know (espeak-ng speech)."""
from types import SimpleNamespace

import numpy as np
import pytest

from srtmedia.pipeline.timing import espeak
from srtmedia.pipeline.audio.media import SAMPLE_RATE
from srtmedia.pipeline.model import Cue
from srtmedia.pipeline.text.words import words_from_cues
from srtmedia.pipeline.timing.words_in_cues import align_in_cues, speech_matches, window

pytestmark = pytest.mark.skipif(not espeak.available(), reason="no libespeak-ng")

SENTENCES = {
    "es": ["El río nace en las montañas del norte.", "Cada primavera, el agua cubría los campos."],
    "ru": ["Река начинается в горах на севере.", "Каждой весной вода заливала поля."],
    "zh": ["这条河发源于北方的山里。", "每年春天，河水上涨。"],
}


def _programme(language, seed):
    from bench.speech import build_programme
    from bench.wordtiming import VOICES, resample

    voice, wpm = VOICES[language]
    programme = build_programme([" ".join(SENTENCES[language])], [voice], wpm, seed=seed)
    return programme, resample(programme.audio, programme.rate)


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_words_are_placed_near_where_they_are_spoken(language):
    programme, audio = _programme(language, seed=1)
    rng = np.random.default_rng(7)
    cue_times = [SimpleNamespace(start=a + rng.uniform(-0.1, 0.1), end=b + rng.uniform(-0.1, 0.1), found=True)
                 for a, b, _ in programme.sentences]
    cues = [Cue(k, c.start, c.end, text) for k, (c, text) in enumerate(zip(cue_times, SENTENCES[language]))]
    words = words_from_cues(cues)
    timed = align_in_cues(audio, words, cue_times, language)
    truth = [w.start for w in programme.words]
    assert len(timed) == len(truth) == len(words)
    errors = [abs(t.start - want) for t, want in zip(timed, truth) if want is not None]
    assert all(t is not None for t in timed)
    assert np.median(errors) < 0.05, (language, errors)
    starts = [t.start for t in timed]
    assert starts == sorted(starts)
    for t, w in zip(timed, words):   # every word inside its cue's searched window
        place = cue_times[w.cue_index]
        assert place.start - 0.4 <= t.start <= t.end <= place.end + 0.4


def test_cues_not_found_or_without_speech_are_left_to_the_caller():
    programme, audio = _programme("es", seed=2)
    a, b, _ = programme.sentences[0]
    cue_times = [SimpleNamespace(start=a, end=b, found=False),
                 SimpleNamespace(start=programme.duration - 0.2, end=programme.duration, found=True)]
    cues = [Cue(0, a, b, SENTENCES["es"][0]), Cue(1, 0.0, 1.0, "[MÚSICA]")]
    timed = align_in_cues(audio, words_from_cues(cues), cue_times, "es")
    assert timed == [None] * len(timed)


def test_the_window_stops_halfway_to_a_neighbour():
    assert window(10.0, 12.0, None, None, 60.0) == (9.65, 12.35)
    assert window(10.0, 12.0, 9.8, 12.2, 60.0) == (9.9, 12.1)
    assert window(10.0, 12.0, 10.5, 11.0, 60.0) == (10.0, 12.0)   # overlapping neighbours: the cue itself
    assert window(0.1, 1.0, None, None, 1.2) == (0.0, 1.2)


def test_silence_gives_no_word_times():
    audio = np.zeros(5 * SAMPLE_RATE, np.float32)
    cues = [Cue(0, 1.0, 3.0, "Hola a todos")]
    timed = align_in_cues(audio, words_from_cues(cues), [SimpleNamespace(start=1.0, end=3.0, found=True)], "es")
    # Either refused, or squeezed into frames nobody could say the words in: never a clean fit.
    assert timed == [None] * 3 or min(t.end - t.start for t in timed) < 0.05


def split_sentences(text):
    from bench.speech import split_sentences

    return split_sentences(text)


def _fit(speech_language, speech_text, subtitle_texts, subtitle_language):
    from bench.speech import build_programme
    from bench.wordtiming import VOICES, resample

    voice, wpm = VOICES[speech_language]
    programme = build_programme([speech_text], [voice], wpm, seed=3)
    audio = resample(programme.audio, programme.rate)
    cue_times = [SimpleNamespace(start=a, end=b, found=True) for a, b, _ in programme.sentences]
    cues = [Cue(k, c.start, c.end, text) for k, (c, text) in enumerate(zip(cue_times, subtitle_texts))]
    words = words_from_cues(cues)
    return speech_matches(align_in_cues(audio, words, cue_times, subtitle_language), words, cue_times,
                          subtitle_language)


SPANISH = ["El río nace en las montañas del norte, entre rocas y bosques de pinos.",
           "Durante siglos, los pueblos de la orilla vivieron de la pesca y del comercio.",
           "Cada primavera, el agua subía y cubría los campos más bajos."]
ENGLISH = ("The river rises in the mountains of the north, among rocks and pine forests. "
           "For centuries, the villages on its banks lived from fishing and trade. "
           "Every spring, the water rose and covered the lowest fields.")


def test_words_fit_the_speech_in_their_own_language_and_not_a_translation():
    assert _fit("es", " ".join(SPANISH), SPANISH, "es")
    assert not _fit("en", ENGLISH, SPANISH, "es")
    assert _fit("en", ENGLISH, split_sentences(ENGLISH), "en")
    assert not _fit("es", " ".join(SPANISH), split_sentences(ENGLISH), "en")


def test_a_language_espeak_does_not_speak_keeps_spread_words_and_says_so():
    from srtmedia.pipeline.audio.speech import detect_speech
    from srtmedia.pipeline.timing.speech_timing import align_by_speech

    programme, audio = _programme("es", seed=6)
    cues = [Cue(k, a + 1.0, b + 1.0, text) for k, ((a, b, _), text) in enumerate(zip(programme.sentences,
                                                                                        SENTENCES["es"]))]
    words = words_from_cues(cues)
    speech = detect_speech(audio)
    spread = align_by_speech(audio, words, cues, speech)
    unknown = align_by_speech(audio, words, cues, speech, "zu")   # isiZulu: no espeak-ng voice
    assert unknown.words == spread.words
    assert any("does not speak 'zu'" in w for w in unknown.warnings)
    aligned = align_by_speech(audio, words, cues, speech, "es")
    assert aligned.words != spread.words and not aligned.warnings
