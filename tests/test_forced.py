"""Pronunciations and forced alignment on real (synthesised) speech."""
import numpy as np
import pytest

from srtmedia.pipeline.timing.forced import ForcedAligner, ipa_to_arpabet, spell_number, tokens_for

from conftest import synthesize


def test_numbers_and_hyphens_become_dictionary_tokens():
    assert tokens_for("1999") == ["nineteen", "ninety", "nine"]
    assert tokens_for("well-known") == ["well", "known"]
    assert spell_number("25") == "twenty five"


def test_ipa_maps_to_arpabet():
    assert ipa_to_arpabet("həlˈoʊ") == "HH AH L OW"
    assert ipa_to_arpabet("dˈiːpɡɹæm") == "D IY P G R AE M"


def test_words_are_placed_in_order_inside_the_audio():
    audio = synthesize("Grinberg wrote the tutorial in 2017")
    samples = (audio * 32767).astype(np.int16)
    tokens = [t for w in ["grinberg", "wrote", "the", "tutorial", "in", "2017"] for t in tokens_for(w)]
    times = ForcedAligner().align(samples, tokens, offset=10.0)
    assert times is not None and len(times) == len(tokens)
    starts = [s for s, _, _ in times]
    assert starts == sorted(starts)
    assert 10.0 <= starts[0] < 10.3
    assert times[-1][1] <= 10.0 + len(audio) / 16000 + 0.05


def test_unspoken_text_does_not_align_as_spoken():
    audio = synthesize("Good morning")
    tokens = "good morning and welcome to a very long lecture on medieval architecture".split()
    times = ForcedAligner().align((audio * 32767).astype(np.int16), tokens)
    # Either refused outright, or the extra words are crushed into frames no one could say them in.
    assert times is None or min(e - s for s, e, _ in times[2:]) < 0.05


@pytest.mark.parametrize("length", [0, 1, 160, 480])
def test_audio_too_short_for_its_words_is_refused_not_a_crash(length):
    # An empty chunk made PocketSphinx raise IndexError from process_raw.
    assert ForcedAligner().align(np.zeros(length, np.int16), ["good", "morning"]) is None
