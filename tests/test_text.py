"""Markup stripping, subtitle words and matching keys."""
import pytest

from srtmedia.pipeline.model import Cue
from srtmedia.pipeline.text.words import normalize, strip_markup, words_from_cues


def cues_of(*texts):
    return [Cue(index=i, start=2.0 * i, end=2.0 * i + 1.5, text=t) for i, t in enumerate(texts)]


def texts(words):
    return [w.text for w in words]


@pytest.mark.parametrize("raw, clean", [
    ("<i>Hello</i> <b>there</b>", "Hello there"),
    ('<font color="#ffff00">Yellow</font> text', "Yellow text"),
    ("<v Roger Bingham>We are in New York City", "We are in New York City"),
    ("<c.yellow.bg_blue>This</c> <00:00:01.500>is<00:01.750> timed", "This is timed"),
    (r"{\an8}{\i1}Top{\i0} line", "Top line"),
    (r"First\NSecond", "First\nSecond"),
    ("Tom &amp; Jerry", "Tom & Jerry"),
    ("♪ Twinkle, twinkle ♪", "Twinkle, twinkle"),
    ("♪♪", "[MUSIC]"),
])
def test_strip_markup(raw, clean):
    assert strip_markup(raw) == clean


def test_words_have_ids_in_order_and_their_cue():
    words = words_from_cues(cues_of("<i>Hello there,</i>", "my friend."))
    assert texts(words) == ["Hello", "there,", "my", "friend."]
    assert [w.id for w in words] == [0, 1, 2, 3]
    assert [w.cue_index for w in words] == [0, 0, 1, 1]


def test_sound_tags_are_single_sound_words():
    words = words_from_cues(cues_of("[MUSIC] Hello (laughs)", "[DOOR\nSLAMS]", "♪♪"))
    assert texts(words) == ["[MUSIC]", "Hello", "(laughs)", "[DOOR SLAMS]", "[MUSIC]"]
    assert [w.sound for w in words] == [True, False, True, True, True]


def test_speaker_dashes_mark_the_next_word_and_are_not_words():
    words = words_from_cues(cues_of("- Hi.\n- Hello, you.", "-Ready? - Yes."))
    assert texts(words) == ["Hi.", "Hello,", "you.", "Ready?", "Yes."]
    assert [w.speaker_change for w in words] == [True, True, False, True, True]


def test_negative_number_is_not_a_speaker_dash():
    words = words_from_cues(cues_of("-5 degrees outside"))
    assert texts(words)[0] == "-5"
    assert not words[0].speaker_change


def test_speaker_label_is_kept_and_marks_a_change():
    words = words_from_cues(cues_of("JOHN: Where were you?", "[SIGHS] DR. SMITH: Out."))
    assert texts(words) == ["JOHN:", "Where", "were", "you?", "[SIGHS]", "DR.", "SMITH:", "Out."]
    assert [w.id for w in words if w.speaker_change] == [0, 5]


def test_hyphenated_line_break_is_one_word():
    words = words_from_cues(cues_of("a well-\nknown fact"))
    assert texts(words) == ["a", "well-known", "fact"]


def test_continuation_ellipses_are_removed():
    words = words_from_cues(cues_of("I was going to...", "...the store.", "And then...", "What?"))
    assert texts(words) == ["I", "was", "going", "to", "the", "store.", "And", "then...", "What?"]


def test_loose_punctuation_joins_a_word():
    words = words_from_cues(cues_of('Hello , world ! I was - " quoted "'))
    assert texts(words) == ["Hello,", "world!", "I", "was—", '"quoted"']
    assert all(normalize(w.text) for w in words)


@pytest.mark.parametrize("word, key", [
    (" Hello,", "hello"),
    ("don't", "don't"),
    ("Don’t", "don't"),
    ("'Cause", "cause"),
    ('"Quoted."', "quoted"),
    ("3.5%", "3.5"),
    ("1,000", "1000"),
    ("2020.", "2020"),
    ("well-known", "wellknown"),
    ("Café!", "café"),
    ("&", "and"),
    ("(&)", "and"),
    ("...", ""),
])
def test_normalize(word, key):
    assert normalize(word) == key


def test_whisper_and_subtitle_spellings_share_a_key():
    assert normalize(" I’M") == normalize("I'm")
    assert normalize("“Yes!”") == normalize(" yes")
