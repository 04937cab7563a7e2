"""Writing systems without spaces between words (Chinese, Japanese): words and joins.

Such text is split into one word per character, which keeps every character
and gives each its own time: a Han character is one spoken syllable, a kana
one mora (a small kana or the long mark ``ー`` stays with the one before it).
Letters and digits inside (``iPhone``, ``2024``) stay whole, punctuation
sticks to its character. A segmenter (jieba) would give dictionary words, but
its last release is from 2020 and its dictionary weighs 20 MB; characters
need nothing. Thai, Lao, Khmer and Burmese also lack spaces but their
characters are not syllables: their space-separated phrases are kept whole.
"""
import unicodedata

_OPENING = set("「『（【〈《〔［｛“‘\"'(¿¡")
_JOINS_PREVIOUS = set("ぁぃぅぇぉゃゅょゎっァィゥェォャュョヮッヵヶー々ゝゞヽヾ")


def is_unspaced(char):
    """True for a Han character, a kana, or CJK punctuation: text written without spaces."""
    code = ord(char)
    return (0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF
            or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FA1F or 0x3000 <= code <= 0x303F
            or 0xFF00 <= code <= 0xFF0F or 0xFF1A <= code <= 0xFF20 or char in "〇々")


def split_unspaced(word):
    """``word`` (no whitespace) cut into one piece per Han character or kana.

    Joining the pieces gives ``word`` back. A word with no such character is
    returned whole.
    """
    if not any(is_unspaced(c) and c.isalpha() for c in word):
        return [word]
    cuts, previous = [], None   # kind of the last letter seen: "cjk" or "other"
    for i, char in enumerate(word):
        if unicodedata.category(char) == "Mn" or (char in _JOINS_PREVIOUS and previous == "cjk"):
            continue
        if not char.isalnum():
            continue  # punctuation stays with the letter before it
        kind = "cjk" if is_unspaced(char) else "other"
        if previous is not None and "cjk" in (kind, previous):
            cut = i
            while word[cut - 1] in _OPENING:  # an opening quote goes with what it opens
                cut -= 1
            cuts.append(cut)
        previous = kind
    edges = [0] + cuts + [len(word)]
    return [word[a:b] for a, b in zip(edges, edges[1:]) if b > a]


def join_words(texts):
    """Words joined into text: with a space, except where either side is unspaced script."""
    out = ""
    for text in texts:
        if not text:
            continue
        if out and not (is_unspaced(out[-1]) or is_unspaced(text[0])):
            out += " "
        out += text
    return out


def ends_unspaced(text):
    """True when the last letter of ``text`` is a Han character or kana."""
    letters = [c for c in text if c.isalnum()]
    return bool(letters) and is_unspaced(letters[-1])


def full_stop(text):
    """The sentence-final mark that suits ``text``: ``。`` after CJK, ``.`` otherwise."""
    return "。" if ends_unspaced(text) else "."
