"""The built-in engine: sentences and paragraphs from subtitle words."""
import pytest

from srtmedia.pipeline.model import Cue, Document, Sentence, Token
from srtmedia.pipeline.text.paragraphs import BuiltinEngine, check_coverage
from srtmedia.pipeline.text.words import normalize, words_from_cues


def timed_cues(texts, gap=0.2, duration=1.5, pauses=None):
    """Cues one after another; ``pauses`` maps a cue position to the silence before it."""
    cues, clock = [], 0.0
    for i, text in enumerate(texts):
        clock += (pauses or {}).get(i, gap if i else 0.0)
        cues.append(Cue(index=i, start=clock, end=clock + duration, text=text))
        clock += duration
    return cues


def build(cues):
    words = words_from_cues(cues)
    return words, BuiltinEngine().build(words, cues)


def sentence_texts(document):
    return [s.text for paragraph in document.paragraphs for s in paragraph]


def word_ids(document):
    return [t.word_id for paragraph in document.paragraphs for s in paragraph for t in s.tokens]


def test_fragments_across_cues_become_sentences():
    cues = timed_cues(["I was going to...", "...the store, but it", "was closed. Mr. Smith", "said it opens at 9.30 a.m. tomorrow."])
    _, document = build(cues)
    assert sentence_texts(document) == [
        "I was going to the store, but it was closed.",
        "Mr. Smith said it opens at 9.30 a.m. tomorrow.",
    ]


def test_abbreviations_do_not_end_sentences():
    _, document = build(timed_cues(["Dr. Jones met Mrs. Lee, e.g. at lunch.", "It cost 3.5 dollars."]))
    assert sentence_texts(document) == ["Dr. Jones met Mrs. Lee, e.g. at lunch.", "It cost 3.5 dollars."]


def test_sentence_starts_capitalised_and_ends_with_a_mark():
    _, document = build(timed_cues(["well, i think so.", "maybe not,"]))
    assert sentence_texts(document) == ["Well, I think so.", "Maybe not."]


def test_speaker_dashes_split_sentences():
    _, document = build(timed_cues(["- Are you coming\n- yes", "- Good"]))
    assert sentence_texts(document) == ["Are you coming.", "Yes.", "Good."]


def test_sound_tags_are_their_own_sentences():
    _, document = build(timed_cues(["Hello there. [DOOR SLAMS]", "Who is it?"]))
    sentences = [s for paragraph in document.paragraphs for s in paragraph]
    assert [(s.text, s.sound) for s in sentences] == [
        ("Hello there.", False), ("[DOOR SLAMS]", True), ("Who is it?", False)]


def test_unpunctuated_captions_split_at_pauses():
    texts = ["so today we are going", "to talk about pasta", "first you boil", "some water", "then you add salt"]
    cues = timed_cues(texts, gap=0.1, pauses={2: 1.0, 4: 1.2})
    _, document = build(cues)
    assert sentence_texts(document) == [
        "So today we are going to talk about pasta.", "First you boil some water.", "Then you add salt."]


def test_unpunctuated_run_on_is_capped():
    texts = [" ".join(f"word{i}{j}" for j in range(8)) for i in range(10)]
    _, document = build(timed_cues(texts, gap=0.1))
    lengths = [len(s.tokens) for p in document.paragraphs for s in p]
    assert sum(lengths) == 80
    assert max(lengths) <= 30


STORY = [
    "We met at the station at noon.", "The train was late again.", "Everyone waited on the platform.",
    "Finally the train arrived.", "We boarded and found our seats.", "The journey took three hours.",
]


def test_long_pause_starts_a_paragraph():
    joined, paused = timed_cues(STORY), timed_cues(STORY, pauses={3: 4.0})
    assert [len(p) for p in build(joined)[1].paragraphs] == [6]
    assert [len(p) for p in build(paused)[1].paragraphs] == [3, 3]


def test_topic_change_starts_a_paragraph():
    cooking = [
        "Boil the pasta in salted water for ten minutes.",
        "Drain the pasta and keep some cooking water.",
        "Fry garlic in olive oil until the garlic is golden.",
        "Toss the pasta with the garlic oil and cooking water.",
    ]
    football = [
        "The football match started in heavy rain.",
        "The home team scored an early goal.",
        "Their goalkeeper saved a penalty before halftime.",
        "The visitors equalised with a late goal.",
        "The referee ended the match after a long stoppage.",
        "Fans of both teams applauded the players.",
        "The coach praised the goalkeeper after the match.",
    ]
    _, document = build(timed_cues(cooking + football))
    first = document.paragraphs[0]
    assert [s.text for s in first] == cooking


def test_paragraph_size_is_bounded():
    sentences = [f"Sentence number {i} is here." for i in range(40)]
    _, document = build(timed_cues(sentences))
    assert all(len(p) <= 8 for p in document.paragraphs)
    assert all(len(p) >= 2 for p in document.paragraphs)


def test_progress_is_reported():
    calls = []
    words = words_from_cues(timed_cues(STORY))
    BuiltinEngine().build(words, timed_cues(STORY), progress=lambda f, m: calls.append((f, m)))
    assert calls[0][0] == 0.0 and calls[-1][0] == 1.0
    assert all(isinstance(m, str) and m for _, m in calls)


def test_engine_is_named():
    _, document = build(timed_cues(STORY))
    assert document.engine["name"] == "builtin"
    assert document.engine["version"]


def test_empty_input_gives_an_empty_document():
    document = BuiltinEngine().build([], [])
    assert document.paragraphs == []


def test_check_coverage_rejects_a_lost_or_repeated_word():
    sentence = Sentence([Token("a", 0), Token("b", 2)])
    with pytest.raises(AssertionError):
        check_coverage(Document(paragraphs=[[sentence]]), 3)
    check_coverage(Document(paragraphs=[[Sentence([Token("a", 0), Token("b", 1)])]]), 2)


def test_long_input_keeps_every_word_once():
    sentences = [f"Line {i} talks about topic {i % 7}, e.g. Mr. X and 3.5 items" + ("." if i % 3 else "")
                 for i in range(600)]
    words, document = build(timed_cues(sentences, pauses={i: 2.5 for i in range(0, 600, 37)}))
    assert word_ids(document) == list(range(len(words)))


try:
    from hypothesis import given, settings, strategies as st
except ImportError:  # pragma: no cover
    given = None

if given:
    fragment = st.sampled_from([
        "hello", "World.", "Mr.", "Dr.", "e.g.", "3.5", "-", "- Hi.", "...", "…", "[MUSIC]", "(laughs)",
        "♪", "JOHN:", "<i>yes</i>", "{\\an8}", "well-", "\n", "?", ",", "don't", "&amp;", '"', "i", "ok!",
    ])
    cue_text = st.lists(fragment, min_size=0, max_size=8).map(" ".join)

    @settings(max_examples=200, deadline=None)
    @given(texts=st.lists(cue_text, min_size=0, max_size=12), gaps=st.lists(st.floats(0, 3), min_size=12, max_size=12))
    def test_every_word_is_placed_once_in_order(texts, gaps):
        cues = timed_cues(texts, pauses=dict(enumerate(gaps)))
        words = words_from_cues(cues)
        assert [w.id for w in words] == list(range(len(words)))
        assert all(normalize(w.text) for w in words if not w.sound)
        document = BuiltinEngine().build(words, cues)
        assert word_ids(document) == list(range(len(words)))
        assert all(t.text.strip() for p in document.paragraphs for s in p for t in s.tokens)
