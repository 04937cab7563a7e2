"""Words and sentences of subtitles in other languages and scripts: every character kept, in order."""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srtmedia.pipeline.model import Cue
from srtmedia.pipeline.text.paragraphs import BuiltinEngine
from srtmedia.pipeline.text.scripts import is_unspaced, join_words, split_unspaced
from srtmedia.pipeline.text.words import words_from_cues

ALPHABET = "我们今天去公园你想一起来吗好的照片きょうはとへ行ますチコレートを食べたー々ABCxyz0123。，、！？「」『』（）.,!?¿¡-'\" "


def _letters(text):
    return "".join(c for c in text if c.isalnum())


def _characters(text):
    return "".join(text.split())


def test_chinese_is_one_word_per_character_with_punctuation_attached():
    words = words_from_cues([Cue(0, 0.0, 3.0, "「好的」，我用iPhone拍了3张照片。")])
    assert [w.text for w in words] == ["「好", "的」，", "我", "用", "iPhone", "拍", "了", "3", "张", "照", "片。"]


def test_small_kana_and_the_long_mark_stay_with_their_mora():
    words = words_from_cues([Cue(0, 0.0, 3.0, "きょうはチョコレート")])
    assert [w.text for w in words] == ["きょ", "う", "は", "チョ", "コ", "レー", "ト"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=40))
def test_splitting_keeps_every_character_in_order(text):
    for word in text.split():
        pieces = split_unspaced(word)
        assert "".join(pieces) == word and all(pieces)
    words = words_from_cues([Cue(0, 0.0, 2.0, text)])
    # Sound tags in brackets aside, every letter and digit is kept, in order (punctuation
    # with no word before it in the cue is dropped, as in every language).
    if "(" not in text and ")" not in text:
        assert _letters("".join(w.text for w in words)) == _letters(text)


SENTENCES = {
    "es": ["¿Dónde está la estación?", "El Sr. García llegó a las 10.30 de la mañana.", "¡Qué bien!"],
    "de": ["Wir treffen uns um 8 Uhr.", "Dr. Müller kommt später, z. B. morgen.", "Ist das klar?"],
    "ru": ["Привет, как дела?", "Мы пошли в парк.", "Это было замечательно!"],
    "zh": ["我们今天去公园。", "你想一起来吗？", "太好了！"],
    "ja": ["きょうはいい天気ですね。", "どこへ行きますか？", "公園へ行きましょう！"],
    "sv": ["Vi ses i morgon.", "Hur mår du?", "Det var roligt!"],   # no pysbd rules: English ones
}


def _cues_of(sentences, rng):
    """The sentences run together and cut into cues at random word (or character) boundaries."""
    text = join_words(sentences)
    boundaries = [i for i in range(1, len(text)) if text[i].isalnum() and (
        text[i - 1] == " " or (is_unspaced(text[i]) and (text[i - 1].isalnum() or text[i - 1] in "。，！？")))]
    cuts = sorted(rng.sample(boundaries, k=min(3, len(boundaries))))
    cues, start = [], 0
    for k, end in enumerate(cuts + [len(text)]):
        piece = text[start:end]
        if piece.strip():
            cues.append(Cue(len(cues), k * 2.0, k * 2.0 + 1.9, piece))
        start = end
    return cues


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_sentences_in_each_language(language):
    sentences = SENTENCES[language]
    cues = [Cue(k, k * 2.0, k * 2.0 + 1.9, s) for k, s in enumerate(sentences)]
    words = words_from_cues(cues)
    document = BuiltinEngine(language).build(words, cues)
    assert [s.text for p in document.paragraphs for s in p] == sentences
    assert document.engine["sentence_rules"] == ("en" if language == "sv" else language)


@pytest.mark.parametrize("seed", range(40))
def test_random_cue_cuts_keep_every_character_and_the_sentence_ends(seed):
    rng = random.Random(seed)
    language = rng.choice(sorted(SENTENCES))
    sentences = SENTENCES[language]
    cues = _cues_of(sentences, rng)
    words = words_from_cues(cues)
    document = BuiltinEngine(language).build(words, cues)   # also checks every word id, in order
    built = [s.text for p in document.paragraphs for s in p]
    assert _characters(join_words(built)) == _characters(join_words(sentences)), f"seed {seed}: {built}"
    # Each sentence boundary of the text is a boundary of the result.
    ends = {_characters(join_words(sentences[:k + 1])) for k in range(len(sentences))}
    cumulative = [_characters(join_words(built[:k + 1])) for k in range(len(built))]
    assert ends <= set(cumulative), f"seed {seed}: {built}"


def test_chinese_paragraphs_break_where_the_topic_changes():
    river = ["这条河发源于北方的山里。", "河水每年春天上涨。", "河边的村子靠河水生活。", "渔民每天在河上打鱼。"]
    school = ["学校在城市的东边。", "学校里有很多学生。", "学生每天早上去学校。", "老师在学校教学生。",
              "学校的图书馆很大。", "学生喜欢学校。", "学校旁边有公园。", "学生下课以后去公园。"]
    sentences = river + school   # evenly timed: only the vocabulary tells the topics apart
    cues = [Cue(k, k * 2.0, k * 2.0 + 1.8, s) for k, s in enumerate(sentences)]
    document = BuiltinEngine("zh").build(words_from_cues(cues), cues)
    assert [[s.text for s in p] for p in document.paragraphs] == [river, school]
