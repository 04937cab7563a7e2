"""libespeak-ng from the pip wheel (or the system): found, and speaking many languages."""
import subprocess
import sys

import pytest

from srtmedia.pipeline.timing import espeak
from srtmedia.pipeline.timing.forced import ForcedAligner, ipa_to_arpabet, tokens_for


def _in_child(code, prefer):
    """Run ``code`` in a fresh interpreter (espeak-ng is loaded once per process)."""
    env = {"SRTMEDIA_ESPEAK": prefer, "PATH": "/nonexistent"}  # no espeak-ng executable to fall back on
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.parametrize("prefer", ["pip", "system"])
def test_each_source_gives_pronunciations_without_the_executable(prefer):
    finder = espeak.pip_source if prefer == "pip" else espeak.system_source
    if finder() is None:
        pytest.skip(f"no {prefer} libespeak-ng here")
    code = ("from srtmedia.pipeline.timing import espeak as e\n"
            "s = e.shared(); print(s.source.kind, '|', '|'.join(s.ipa(['hola', 'veinticinco'], 'es')))")
    kind, hola, number = (part.strip() for part in _in_child(code, prefer).split("|"))
    assert kind == prefer
    assert "ol" in hola
    assert "θ" in number  # Castilian "veinticinco"


def test_pip_is_preferred_when_installed():
    if espeak.pip_source() is None:
        pytest.skip("espeakng-loader is not installed")
    assert [s.kind for s in espeak.find_sources(prefer="any")][0] == "pip"


def test_a_library_that_does_not_start_falls_back_to_the_next(tmp_path):
    if espeak.system_source() is None:
        pytest.skip("no system libespeak-ng here")
    broken = tmp_path / "libespeak-ng.so"
    broken.write_bytes(b"not a library")
    code = ("from srtmedia.pipeline.timing import espeak as e\n"
            f"broken = e.Source('pip', {str(broken)!r}, {str(tmp_path)!r}, 'espeakng-loader (broken)')\n"
            "e.find_sources = lambda prefer=None: [broken, e.system_source()]\n"
            "print(e.shared().source.kind)\n"
            "e.shared.cache_clear()\n"
            "e.find_sources = lambda prefer=None: [broken]\n"
            "try:\n    e.shared()\nexcept e.EspeakMissing as error:\n    print(error)\n")
    kind, error = _in_child(code, "").splitlines()
    assert kind == "system"
    assert "could not start" in error and "pip:" in error


def test_language_codes_find_their_voices():
    if not espeak.available():
        pytest.skip("no libespeak-ng")
    assert espeak.voice_for("zh") == "cmn"
    assert espeak.voice_for("es") == "es"
    assert espeak.voice_for("pt-BR") == "pt-br"
    assert espeak.voice_for("de_AT") == "de"
    assert espeak.voice_for("xx") is None
    assert espeak.voice_for("") is None


@pytest.mark.parametrize("language, word, expected", [
    ("es", "once", "OW N TH EH"),          # eleven, not the English "once"
    ("de", "straße", "SH T R AA S AH"),
    ("ru", "привет", "P R IY V EH T"),
    ("zh", "我", "W OW"),
])
def test_words_of_other_languages_get_their_own_pronunciation(language, word, expected):
    if not espeak.available():
        pytest.skip("no libespeak-ng")
    aligner = ForcedAligner()
    [token] = tokens_for(word, language)
    aligner.ensure_words([token])
    assert aligner._decoder(1e-80).lookup_word(token) == expected


def test_a_kanji_is_given_a_syllable_not_the_words_chinese_letter():
    if not espeak.available():
        pytest.skip("no libespeak-ng")
    aligner = ForcedAligner()
    tokens = tokens_for("日", "ja") + tokens_for("こ", "ja")
    aligner.ensure_words(tokens)
    kanji, kana = (aligner._decoder(1e-80).lookup_word(t).split() for t in tokens)
    assert 1 <= len(kanji) <= 4 and "CH" not in kanji
    assert kana == ["K", "OW"]


def test_english_tokens_are_unchanged_by_languages():
    assert tokens_for("1999", "en-US") == ["nineteen", "ninety", "nine"]
    assert tokens_for("1999", "es") == ["es:1999"]
    assert tokens_for("", "es") == []


def test_foreign_ipa_maps_every_phone():
    assert ipa_to_arpabet("ˈaɲo", foreign=True) == "AA N Y OW"
    assert ipa_to_arpabet("tɕˈi5n", foreign=True) == "CH IY N"   # tone digit dropped
    assert ipa_to_arpabet("(en)hˈaʊs(de)", foreign=True) == "HH AW S"
