"""Plain data the stages pass to each other."""
from dataclasses import dataclass, field

from srtmedia.pipeline.text.scripts import join_words


@dataclass
class Cue:
    """One subtitle cue as read from the file (times in seconds)."""

    index: int          # 0-based position in the file
    start: float
    end: float
    text: str           # raw text, markup and line breaks kept
    number: str = ""    # the cue number as written in the file, if any
    line: int = 0       # 1-based line of the timing line in the file


@dataclass
class SubWord:
    """One word of the subtitles after markup is stripped.

    ``id`` is its position in the flat word list of the whole file; the text
    stage must place every id exactly once, in order.
    """

    id: int
    text: str           # as written (punctuation attached), markup removed
    cue_index: int
    sound: bool = False  # part of a sound tag such as [MUSIC]
    speaker_change: bool = False  # a speaker dash started here


@dataclass
class Token:
    """A word as shown in a sentence: cleaned ``text`` for subtitle word ``word_id``."""

    text: str
    word_id: int


@dataclass
class Sentence:
    tokens: list
    sound: bool = False  # a sentence made only of sound tags

    @property
    def text(self):
        return join_words(t.text for t in self.tokens)


@dataclass
class Document:
    """Output of the text stage: paragraphs (lists of sentences) plus notes."""

    paragraphs: list                  # list[list[Sentence]]
    engine: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)


@dataclass
class TimedWord:
    """Where a word is really spoken; ``start``/``end`` are None when not found."""

    start: float | None
    end: float | None
    confidence: float = 0.0
