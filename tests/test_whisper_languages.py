"""A user's Whisper model (--whisper-model): the languages it knows, and the language it is told.

Whether the recogniser runs at all for a language is the runner's choice
(``runner.listen``, tested with the speech-timing path).

No multilingual model can be downloaded here, so the model is a stand-in with
the two things srtmedia reads from a faster-whisper model (``supported_languages``
and the transcription call); the bundled tiny.en is the real English-only case.
"""
import numpy as np
import pytest

from srtmedia.pipeline import runner
from srtmedia.pipeline.audio import speech
from srtmedia.pipeline.options import Options
from srtmedia.pipeline.audio.speech import RecognizedWord

from conftest import synthesize


class StandInModel:
    """What srtmedia uses of a faster_whisper.WhisperModel."""

    def __init__(self, multilingual):
        self.supported_languages = ["en", "es", "de", "ru", "zh"] if multilingual else ["en"]


@pytest.fixture
def told(monkeypatch):
    """Load a stand-in model for any path; record the language each recognition is told."""
    languages = []

    def recognise(model, audio, clips, options, cancelled, progress):
        languages.append(options.language)
        return [RecognizedWord("hola", clips[0]["start"], clips[0]["start"] + 0.3, 0.9)]

    monkeypatch.setattr(speech, "_recognise", recognise)
    models = {"/models/large-v3": StandInModel(True), "/models/medium.en": StandInModel(False)}
    monkeypatch.setattr(speech, "load_model", lambda path, threads: models[path])
    return languages


@pytest.fixture(scope="module")
def spanish():
    return synthesize("Hola a todos, bienvenidos al curso de hoy.", voice="es")


def test_a_multilingual_model_knows_the_subtitle_language_and_is_told_it(told, spanish):
    options = Options(whisper_model="/models/large-v3", language="es")
    assert "es" in runner.recogniser_languages(options)
    transcript = speech.transcribe(spanish, options)
    assert set(told) == {"es"}   # every pass (a second one goes over speech with few words)
    assert [w.text for w in transcript.words] == ["hola"]
    assert transcript.engine["asr"]["language"] == "es"
    assert transcript.engine["asr"]["languages"] == 5


def test_an_english_only_model_knows_english_only(told, spanish):
    options = Options(whisper_model="/models/medium.en", language="en")
    assert runner.recogniser_languages(options) == {"en"}
    assert speech.transcribe(spanish, options).language == "en"
    assert set(told) == {"en"}
    # Told no language (the subtitles' was unclear), an English-only model still hears English.
    assert speech.transcribe(spanish, Options(whisper_model="/models/medium.en", language="")).language == "en"
    assert speech.transcribe(spanish, Options(whisper_model="/models/large-v3", language="")).language == ""


def test_the_bundled_model_knows_english_only():
    assert runner.recogniser_languages(Options()) == {"en"}


def test_words_a_spanish_recogniser_heard_are_aligned_with_spanish_pronunciations():
    """What a multilingual model's Spanish words lead to: the aligner's chunks read as Spanish."""
    from bench.speech import build_programme, split_sentences
    from bench.wordtiming import resample
    from srtmedia.pipeline.timing.align import align_words
    from srtmedia.pipeline.model import Cue
    from srtmedia.pipeline.text.words import words_from_cues

    text = ("El río nace en las montañas del norte, entre rocas y bosques de pinos. Durante siglos, los pueblos "
            "de la orilla vivieron de la pesca y del comercio. Cada primavera, el agua cubría los campos.")
    programme = build_programme([text], ["es"], 165, seed=4)
    audio = resample(programme.audio, programme.rate)
    cues = [Cue(k, a + 1.5, b + 1.5, s) for k, ((a, b, _), s) in enumerate(zip(programme.sentences,
                                                                                split_sentences(text)))]
    # Whisper's word times: late by about sync.WHISPER_LAG, and loose.
    jitter = np.random.default_rng(4).normal(0.0, 0.06, len(programme.words))
    heard = [RecognizedWord(w.text, w.start + 0.08 + j, (w.end or w.start + 0.3) + 0.08 + j, 0.9)
             for w, j in zip(programme.words, jitter) if w.start is not None]
    transcript = speech.Transcript(words=heard, speech=speech.detect_speech(audio), language="es")
    words = words_from_cues(cues)
    alignment = align_words(audio, words, cues, transcript, Options(language="es"))
    errors = [abs(t.start - w.start) for t, w in zip(alignment.words, programme.words) if w.start is not None]
    assert len(alignment.words) == len(programme.words)
    assert not alignment.warnings   # every chunk force-aligned (read as English, most chunks fail)
    assert np.median(errors) < 0.03, sorted(errors)
