"""Forced alignment with PocketSphinx: exact word times for known text.

``Decoder(lm=None, bestpath=False)`` with ``set_align_text`` aligns a chunk of
audio to its words at 10 ms resolution. Pitfalls handled here: the default
``bestpath=True`` drops trailing words; hard chunks need a wider beam; every
word needs a pronunciation (numbers are spelled out, unknown words get one from
espeak-ng, or from their letters when espeak-ng is missing).
"""
import functools
import re
import shutil
import subprocess

import numpy as np

from srtmedia.pipeline.media import SAMPLE_RATE

FRAME = 0.01  # PocketSphinx frame length in seconds
MIN_FRAMES_PER_TOKEN = 3  # the shortest word has a phone or two, each at least 3 frames (HMM states)
BEAMS = (1e-80, 1e-120, 1e-160)

# espeak-ng IPA -> CMU ARPAbet, longest symbols first.
_IPA = [
    ("aɪə", "AY ER"), ("aɪ", "AY"), ("aʊ", "AW"), ("eɪ", "EY"), ("oʊ", "OW"), ("əʊ", "OW"),
    ("ɔɪ", "OY"), ("tʃ", "CH"), ("dʒ", "JH"), ("ɑːɹ", "AA R"), ("ɔːɹ", "AO R"), ("ɛɹ", "EH R"),
    ("ɪɹ", "IH R"), ("ʊɹ", "UH R"), ("ɜː", "ER"), ("ɚ", "ER"), ("ɝ", "ER"), ("ɑː", "AA"),
    ("ɔː", "AO"), ("iː", "IY"), ("uː", "UW"), ("l̩", "AH L"), ("n̩", "AH N"), ("ɑ", "AA"),
    ("ɒ", "AA"), ("æ", "AE"), ("ʌ", "AH"), ("ə", "AH"), ("ɐ", "AH"), ("ɔ", "AO"), ("ɛ", "EH"),
    ("e", "EH"), ("ɪ", "IH"), ("ᵻ", "IH"), ("i", "IY"), ("ʊ", "UH"), ("u", "UW"), ("o", "OW"),
    ("a", "AE"), ("b", "B"), ("d", "D"), ("f", "F"), ("ɡ", "G"), ("g", "G"), ("h", "HH"),
    ("j", "Y"), ("k", "K"), ("l", "L"), ("m", "M"), ("n", "N"), ("ŋ", "NG"), ("p", "P"),
    ("ɹ", "R"), ("r", "R"), ("s", "S"), ("ʃ", "SH"), ("t", "T"), ("θ", "TH"), ("ð", "DH"),
    ("v", "V"), ("w", "W"), ("z", "Z"), ("ʒ", "ZH"), ("ɾ", "D"), ("ʔ", "T"), ("x", "K"),
]
_LETTERS = {
    "a": "AE", "b": "B", "c": "K", "d": "D", "e": "EH", "f": "F", "g": "G", "h": "HH", "i": "IH",
    "j": "JH", "k": "K", "l": "L", "m": "M", "n": "N", "o": "AA", "p": "P", "q": "K", "r": "R",
    "s": "S", "t": "T", "u": "AH", "v": "V", "w": "W", "x": "K S", "y": "Y", "z": "Z",
}


def ipa_to_arpabet(ipa):
    """ARPAbet phones for an espeak-ng IPA string (stress and length marks ignored)."""
    ipa = re.sub(r"[ˈˌ\-‿ ]", "", ipa)
    phones, pos = [], 0
    while pos < len(ipa):
        for symbol, arpa in _IPA:
            if ipa.startswith(symbol, pos):
                phones.extend(arpa.split())
                pos += len(symbol)
                break
        else:
            pos += 1  # a mark with no phone of its own (ː, ̃, ...)
    return " ".join(phones)


def letters_to_arpabet(word):
    """A crude pronunciation from spelling, for when espeak-ng is not installed."""
    return " ".join(_LETTERS[c] for c in word if c in _LETTERS) or "AH"


def espeak_pronunciations(words, voice="en-us"):
    """IPA from espeak-ng for each word, or {} when espeak-ng is not installed."""
    exe = shutil.which("espeak-ng") or shutil.which("espeak")
    if not exe or not words:
        return {}
    # One clause per line keeps the output lines in step with the input words.
    text = "\n".join(f"{w}." for w in words)
    try:
        out = subprocess.run([exe, "-q", "--ipa", "-v", voice], input=text, capture_output=True,
                             text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    return dict(zip(words, lines)) if len(lines) == len(words) else {}


def spell_number(token):
    """Digits as spoken words ("1999" -> "nineteen ninety nine"), else the token."""
    from num2words import num2words

    if not re.fullmatch(r"\d+(\.\d+)?", token):
        return token
    value = float(token) if "." in token else int(token)
    try:
        if isinstance(value, int) and 1100 <= value <= 2099:
            spoken = num2words(value, to="year")
        else:
            spoken = num2words(value)
    except (OverflowError, ValueError, NotImplementedError):
        return token
    return re.sub(r"[^a-z' ]", " ", spoken.lower())


def tokens_for(word_key):
    """Dictionary tokens for one normalised subtitle word (numbers spelled, hyphens split)."""
    out = []
    for part in re.split(r"[\s\-/]+", word_key):
        part = part.strip("'")
        if not part:
            continue
        out.extend(spell_number(part).split() if part[0].isdigit() else [part])
    return out


class ForcedAligner:
    """Aligns known words to audio chunks; keeps one decoder per beam width."""

    def __init__(self):
        self._decoders = {}
        self._known = set()
        self.pronunciations_added = 0

    def _decoder(self, beam):
        if beam not in self._decoders:
            from pocketsphinx import Decoder

            self._decoders[beam] = Decoder(lm=None, bestpath=False, loglevel="FATAL",
                                           beam=beam, pbeam=beam, wbeam=beam * 1e20)
        return self._decoders[beam]

    def ensure_words(self, tokens):
        """Give every token a pronunciation in every decoder's dictionary."""
        base = self._decoder(BEAMS[0])
        missing = sorted({t for t in tokens if t not in self._known and base.lookup_word(t) is None})
        self._known.update(tokens)
        if not missing:
            return
        ipa = espeak_pronunciations(missing)
        for word in missing:
            phones = ipa_to_arpabet(ipa[word]) if word in ipa else ""
            phones = phones or letters_to_arpabet(word)
            for beam in BEAMS:
                self._decoder(beam).add_word(word, phones, True)
            self.pronunciations_added += 1

    def align(self, samples, tokens, offset=0.0):
        """Times ``[(start, end, score)]`` for ``tokens`` spoken in ``samples`` (int16).

        ``offset`` is added to every time. Returns None when no beam width
        could align the text (typically: a word is not spoken in the chunk).
        """
        if not tokens:
            return []
        # Each phone lasts at least one 10 ms frame: audio shorter than that
        # cannot hold the words (and PocketSphinx fails on empty buffers).
        if len(samples) < MIN_FRAMES_PER_TOKEN * len(tokens) * FRAME * SAMPLE_RATE:
            return None
        self.ensure_words(tokens)
        audio = np.ascontiguousarray(samples, dtype=np.int16).tobytes()
        text = " ".join(tokens)
        for beam in BEAMS:
            decoder = self._decoder(beam)
            try:
                decoder.set_align_text(text)
                decoder.start_utt()
                decoder.process_raw(audio, full_utt=True)
                decoder.end_utt()
            except (RuntimeError, IndexError, ValueError):
                # The search could not be set up or run for this chunk: the
                # caller falls back for it, whatever the reason.
                _reset(decoder)
                return None
            if decoder.hyp() is None:
                continue
            times = [(offset + seg.start_frame * FRAME, offset + (seg.end_frame + 1) * FRAME, seg.prob)
                     for seg in decoder.seg() if _is_word(seg.word)]
            if len(times) == len(tokens):
                return times
        return None


def _reset(decoder):
    """Leave the decoder usable after a failed utterance."""
    try:
        decoder.end_utt()
    except RuntimeError:
        pass


def _is_word(token):
    return not (token.startswith("<") or token.startswith("[") or token in ("sil", "++noise++"))


@functools.lru_cache(maxsize=1)
def shared_aligner():
    """One aligner per process: decoders are costly to build and safe to reuse serially."""
    return ForcedAligner()
