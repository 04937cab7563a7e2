"""A user's Whisper model (--whisper-model): the languages it knows, and the language it is told.

Whether the recogniser runs at all for a language is the runner's choice
(``runner.listen``, tested with the speech-timing path).

No multilingual model can be downloaded here, so the model is a stand-in with
the two things srtmedia reads from a faster-whisper model (``supported_languages``
and the transcription call); the bundled tiny.en is the real English-only case.
"""
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
    speech.transcribe(spanish, options)
    assert set(told) == {"en"}


def test_the_bundled_model_knows_english_only():
    assert runner.recogniser_languages(Options()) == {"en"}
