"""Subtitle text to words: markup stripping, word splitting, matching keys.

Decisions a reader needs to know:

* Music notes (♪ ♫ ♬ ♩) around sung words are dropped and the words kept, so
  lyrics stay in the transcript; a line made only of notes becomes the sound
  marker ``[MUSIC]``.
* A bracketed or parenthesised description (``[DOOR SLAMS]``, ``(applause)``)
  is one ``SubWord`` with ``sound=True``, however many words it has.
* A speaker dash at the start of a line is not a word; the word after it gets
  ``speaker_change=True``.  A speaker label (``JOHN:``, ``DR. SMITH:``) is kept
  as words, because a reader wants to know who speaks, and its first word gets
  ``speaker_change=True``.
* Punctuation standing alone (``Hello , world``, ``wait - what``) joins the
  word before it, so every speech word has a non-empty ``normalize()`` key.
* A word broken at a hyphen across lines of one cue (``well-`` / ``known``) is
  joined into one word; ellipses that mark a sentence continuing into the next
  cue (``going to...`` / ``...the store``) are removed.
* Text written without spaces (Chinese, Japanese) is one word per character
  (see ``scripts``), so every character gets its own time.
"""
import html
import re
import unicodedata

from srtmedia.pipeline.model import SubWord
from srtmedia.pipeline.text.scripts import split_unspaced

NOTES = "♪♫♬♩"
MUSIC_MARKER = "[MUSIC]"

_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d{1,2}:\d{2}(?::\d{2})?[.,]\d{1,3}>")
_ASS_OVERRIDE = re.compile(r"\{\\[^{}]*\}")
_ASS_BREAK = re.compile(r"\\[Nn]")
_ASS_SPACE = re.compile(r"\\h")
_SOUND_TAG = re.compile(r"\[[^\[\]]*\]|\([^()]*\)")
_SPEAKER_DASH = re.compile(r"^\s*(?:--|[-‐‑–—])(?=\s|[^\d\s-])\s*")
_LEADING_SOUND_TAGS = re.compile(r"^(?:\s*(?:\[[^\[\]]*\]|\([^()]*\)))+\s*")
_OPENING = set("\"'“‘„«‹¿¡")
_SPEAKER_LABEL = re.compile(r"^((?:[A-Z][A-Z0-9.'&-]*\s+){0,2}[A-Z][A-Z0-9.'&-]*:)(?=\s|$)")
_DASHES = {"-", "--", "‐", "‑", "–", "—", "―"}
_ELLIPSIS = re.compile(r"(\.\.\.|…)$")
_LEADING_ELLIPSIS = re.compile(r"^(\.\.\.|…)(?=\w)")
_APOSTROPHES = str.maketrans({c: "'" for c in "’‘‛`´ʼ′"})
_SENTENCE_END = re.compile(r"[.!?…。！？؟।][\"'”’)\]」』）]*$")


def strip_markup(text):
    """Remove HTML/WebVTT tags, ASS overrides and music notes from cue text.

    Line breaks are kept (``\\N`` in ASS becomes one); HTML entities are
    decoded.  A line left with nothing but notes becomes ``[MUSIC]``.
    """
    text = _ASS_OVERRIDE.sub("", text)
    text = _ASS_BREAK.sub("\n", text)
    text = _ASS_SPACE.sub(" ", text)
    text = _TAG.sub("", text)
    text = html.unescape(text).replace("\u00a0", " ")
    return "\n".join(_strip_notes(line) for line in text.splitlines())


def _strip_notes(line):
    if not any(note in line for note in NOTES):
        return line.strip()
    words = line.translate({ord(note): " " for note in NOTES}).split()
    if not any(_has_word_char(w) for w in words):
        return MUSIC_MARKER
    return " ".join(words)


def normalize(word):
    """The key used to match a subtitle word with a recognised word.

    Lowercase, apostrophes unified to ``'`` and kept only inside the word,
    other punctuation removed, ``&`` read as ``and``; digits stay digits, a
    decimal point between digits is kept and thousands separators dropped.
    ``" Hello,"`` -> ``"hello"``, ``"Don’t"`` -> ``"don't"``, ``"3.5%"`` -> ``"3.5"``.
    """
    word = unicodedata.normalize("NFKC", word).translate(_APOSTROPHES).strip().lower()
    word = re.sub(r"(?<=\d),(?=\d{3})", "", word)
    kept = []
    for i, char in enumerate(word):
        if char.isalnum() or _joins_digits(word, i) or (char == "'" and _inside_word(word, i)):
            kept.append(char)
    key = "".join(kept).strip("'")
    return "and" if not key and "&" in word else key


def _joins_digits(word, i):
    return word[i] == "." and 0 < i < len(word) - 1 and word[i - 1].isdigit() and word[i + 1].isdigit()


def _inside_word(word, i):
    return 0 < i < len(word) - 1 and word[i - 1].isalnum() and word[i + 1].isalnum()


def _has_word_char(text):
    return "&" in text or any(c.isalnum() for c in text)


def words_from_cues(cues):
    """The subtitle words of ``cues`` in order, ids ``0..n-1``."""
    pieces = []  # [text, cue_index, sound, speaker_change]
    for cue in cues:
        first = len(pieces)
        _add_cue_pieces(cue, pieces)
        if 0 < first < len(pieces):
            _join_ellipses(pieces[first - 1], pieces[first])
    return [
        SubWord(id=i, text=text, cue_index=cue_index, sound=sound, speaker_change=change)
        for i, (text, cue_index, sound, change) in enumerate(pieces)
    ]


def _add_cue_pieces(cue, pieces):
    lines = _join_hyphenated(strip_markup(_flatten_sound_tags(cue.text)).split("\n"))
    for line in lines:
        dash = _SPEAKER_DASH.match(line)
        if dash:
            line = line[dash.end():]
        change = bool(dash or _SPEAKER_LABEL.match(_LEADING_SOUND_TAGS.sub("", line)))
        prefix = ""
        for text, sound in _line_pieces(line):
            if sound:
                pieces.append([text, cue.index, True, False])
            elif _has_word_char(text):
                pieces.append([prefix + text, cue.index, False, change])
                change, prefix = False, ""
            elif dash and text in _DASHES and pieces and ends_sentence(pieces[-1][0]):
                change = True  # "- Hi. - Hello." written on one line
            elif prefix or all(c in _OPENING for c in text):
                prefix += text
            elif _ends_speech_of(pieces, cue):
                pieces[-1][0] += "—" if text in _DASHES else text
            # else: closing punctuation with no word before it in the cue says nothing
        if prefix and _ends_speech_of(pieces, cue):
            pieces[-1][0] += prefix  # a straight quote that closed, not opened


def _ends_speech_of(pieces, cue):
    return bool(pieces) and not pieces[-1][2] and pieces[-1][1] == cue.index


def _flatten_sound_tags(text):
    # A tag may wrap onto the next line; it is still one tag.
    return _SOUND_TAG.sub(lambda m: " ".join(m.group().split()), text)


def _join_hyphenated(lines):
    joined = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        previous = joined[-1] if joined else ""
        if re.search(r"\w-$", previous) and line[0].islower():
            joined[-1] = previous + line
        else:
            joined.append(line)
    return joined


def _line_pieces(line):
    """(text, is_sound) for each word or sound tag of one line."""
    position = 0
    for match in _SOUND_TAG.finditer(line):
        yield from _words(line[position:match.start()])
        tag = " ".join(match.group().split())
        if _has_word_char(tag):
            yield tag, True
        position = match.end()
    yield from _words(line[position:])


def _words(text):
    for word in text.split():
        for piece in split_unspaced(word):
            yield piece, False


def _join_ellipses(last, first):
    """Remove the ellipses of a sentence carried from one cue into the next."""
    if last[2] or first[2]:
        return
    trailing, leading = _ELLIPSIS.search(last[0]), _LEADING_ELLIPSIS.match(first[0])
    if trailing and (leading or first[0][:1].islower()):
        last[0] = last[0][:trailing.start()] or last[0]
    if leading and (trailing or not _SENTENCE_END.search(last[0])):
        first[0] = first[0][leading.end():]


def ends_sentence(text):
    """True when ``text`` ends with sentence-final punctuation (closing quotes allowed)."""
    return bool(_SENTENCE_END.search(text))
