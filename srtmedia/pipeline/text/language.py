"""The language of the subtitles: as the user gave it, or detected from their text.

Detection is py3langid (langid.py's model: 97 languages, 4.5 MB, no network),
run once over the subtitle text of the whole file, which is long enough for
it to be sure; a text too short or too mixed to tell is taken as English,
and says so.
"""
import functools
from dataclasses import dataclass

MIN_LETTERS = 20        # fewer letters than this tell no language
MIN_CONFIDENCE = 0.5    # py3langid's normalised probability under which the text is taken as unclear
SAMPLE_CHARS = 5000     # characters of text looked at (spread over the file)
DEFAULT = "en"


@dataclass
class Language:
    """``code`` (ISO 639-1, or as given), where it came from, and how sure detection was."""

    code: str
    source: str                 # "given" | "detected" | "default"
    confidence: float | None = None

    def as_dict(self):
        return {"subtitles": self.code, "source": self.source,
                "confidence": None if self.confidence is None else round(self.confidence, 3)}


@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text):
    """``(code, probability)`` of ``text``'s language, or None when there is too little text to tell."""
    if sum(c.isalpha() for c in text) < MIN_LETTERS:
        return None
    if len(text) > SAMPLE_CHARS:  # pieces from all over the file, not just its opening credits
        step = len(text) // 10
        text = " ".join(text[k:k + SAMPLE_CHARS // 10] for k in range(0, len(text), step))
    code, probability = _identifier().classify(text)
    return code, float(probability)


def subtitle_language(text, given=""):
    """The Language of subtitles whose spoken words are ``text``; ``given`` (a code) wins if set."""
    if given:
        return Language(given.split("-")[0].lower(), "given")
    found = detect(text)
    if found is None or found[1] < MIN_CONFIDENCE:
        return Language(DEFAULT, "default", found[1] if found else None)
    return Language(found[0], "detected", found[1])

