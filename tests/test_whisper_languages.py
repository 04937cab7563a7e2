"""A user's Whisper model (--whisper-model) is told the subtitle language when it knows it.

No multilingual model can be downloaded here, so the model is a stand-in with
the two things srtmedia reads from a faster-whisper model (``supported_languages``
and the transcription call); the bundled tiny.en is the real English-only case.
"""
import dataclasses

import pytest

from srtmedia.pipeline import runner, speech
from srtmedia.pipeline.options import Options
from srtmedia.pipeline.speech import RecognizedWord

from conftest import synthesize


class StandInModel:
    """What srtmedia uses of a faster_whisper.WhisperModel."""

    def __init__(self, multilingual):
        self.supported_languages = ["en", "es", "de", "ru", "zh"] if multilingual else ["en"]


@pytest.fixture
def told(monkeypatch):
    """Load a stand-in model for any path; record the language each recognition is told."""
    languages = []

    def recognise(model, audio, regions, options, cancelled, progress):
        languages.append(options.language)
        return [RecognizedWord("hola", regions[0][0], regions[0][0] + 0.3, 0.9)]

    monkeypatch.setattr(speech, "_recognise", recognise)
    models = {"/models/large-v3": StandInModel(True), "/models/medium.en": StandInModel(False)}
    monkeypatch.setattr(speech, "load_model", lambda path, threads: models[path])
    return languages


@pytest.fixture(scope="module")
def spanish():
    return synthesize("Hola a todos, bienvenidos al curso de hoy.", voice="es")


def test_a_multilingual_model_recognises_the_subtitle_language(told, spanish):
    options = Options(whisper_model="/models/large-v3", language="es")
    known = runner.recogniser_languages(options)
    assert "es" in known
    transcript = runner.listen(spanish, options, known, lambda f, m: None, lambda: False)
    assert set(told) == {"es"}   # every pass (a second one goes over speech with few words)
    assert [w.text for w in transcript.words] == ["hola"]
    assert transcript.engine["asr"]["language"] == "es"


def test_an_english_only_model_is_not_asked_for_spanish(told, spanish):
    options = Options(whisper_model="/models/medium.en", language="es")
    known = runner.recogniser_languages(options)
    assert known == {"en"}
    transcript = runner.listen(spanish, options, known, lambda f, m: None, lambda: False)
    assert told == [] and transcript.words == [] and transcript.speech   # speech timing takes over
    english = dataclasses.replace(options, language="en")
    runner.listen(spanish, english, known, lambda f, m: None, lambda: False)
    assert set(told) == {"en"}


def test_the_bundled_model_knows_english_only():
    assert runner.recogniser_languages(Options()) == {"en"}
