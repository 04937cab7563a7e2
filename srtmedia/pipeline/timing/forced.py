"""Forced alignment with PocketSphinx: exact word times for known text.

``Decoder(lm=None, bestpath=False)`` with ``set_align_text`` aligns a chunk of
audio to its words at 10 ms resolution. Pitfalls handled here: the default
``bestpath=True`` drops trailing words; hard chunks need a wider beam; every
word needs a pronunciation (numbers are spelled out, unknown words get one from
espeak-ng, or from their letters when espeak-ng is missing).

Other languages are aligned on the same en-us acoustic model: espeak-ng gives
each word's IPA in the subtitle's language and every phone is mapped to the
nearest ARPAbet phone (cross-lingual alignment; bench/languages.py measures it).
Such a word is a token ``"<language>:<word>"``, so a Spanish "once" never takes
the English pronunciation.
"""
import functools
import math
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from srtmedia.pipeline.timing import espeak
from srtmedia.pipeline.audio.media import SAMPLE_RATE
from srtmedia.pipeline.model import TimedWord
from srtmedia.pipeline.text.scripts import is_unspaced

FRAME = 0.01  # PocketSphinx frame length in seconds
MIN_FRAMES_PER_TOKEN = 3  # the shortest word has a phone or two, each at least 3 frames (HMM states)
BEAMS = (1e-80, 1e-120, 1e-160)
PARALLEL_AUDIO = 90.0  # seconds of audio to align above which every core aligns
# PocketSphinx keeps acoustic scores shifted right by 10 bits (SENSCR_SHIFT):
# scaled back, a segment's score is a log-likelihood in nats.
SCORE_SCALE = 1024.0
# Another language's speech fits the en-us model less well: the search needs
# wider beams before it reaches the end (bench/wordtiming.py: 8 of 12 Russian
# sentences failed with BEAMS alone, 1 with these).
FOREIGN_BEAMS = BEAMS + (1e-240, 1e-300)

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
# Phones of other languages, nearest en-us phone; they override _IPA (a, x, ɾ).
_FOREIGN = [
    ("tɕ", "CH"), ("dʑ", "JH"), ("ts", "T S"), ("dz", "D Z"), ("pf", "P F"), ("a", "AA"), ("ä", "AA"),
    ("y", "UW"), ("ʏ", "UH"), ("ø", "ER"), ("œ", "ER"), ("ɵ", "AH"), ("ɤ", "AH"), ("ɯ", "UW"),
    ("ɨ", "IH"), ("ɘ", "AH"), ("ɞ", "ER"), ("ɲ", "N Y"), ("ʎ", "L Y"), ("ɳ", "N"), ("ɴ", "NG"),
    ("ɱ", "M"), ("β", "B"), ("ɣ", "G"), ("x", "HH"), ("χ", "HH"), ("ç", "HH"), ("ħ", "HH"),
    ("ɦ", "HH"), ("ʕ", "HH"), ("ʁ", "R"), ("ʀ", "R"), ("ɾ", "R"), ("ɻ", "R"), ("ɐ", "AH"),
    ("ɕ", "SH"), ("ʑ", "ZH"), ("ʂ", "SH"), ("ʐ", "ZH"), ("ʝ", "Y"), ("ɟ", "JH"), ("c", "K"),
    ("q", "K"), ("ɫ", "L"), ("ɭ", "L"), ("ɬ", "L"), ("ʋ", "V"), ("ʈ", "T"), ("ɖ", "D"),
]
_FOREIGN_ALL = sorted(_FOREIGN + _IPA, key=lambda pair: -len(pair[0]))  # stable: _FOREIGN wins ties
_LETTERS = {
    "a": "AE", "b": "B", "c": "K", "d": "D", "e": "EH", "f": "F", "g": "G", "h": "HH", "i": "IH",
    "j": "JH", "k": "K", "l": "L", "m": "M", "n": "N", "o": "AA", "p": "P", "q": "K", "r": "R",
    "s": "S", "t": "T", "u": "AH", "v": "V", "w": "W", "x": "K S", "y": "Y", "z": "Z",
}


def ipa_to_arpabet(ipa, foreign=False):
    """ARPAbet phones for an espeak-ng IPA string (stress, length and tone marks ignored).

    ``foreign``: the IPA is another language's, so its phones are mapped too.
    """
    # "(en)" ... "(es)": espeak-ng reads a stretch in another language (an
    # English name in Spanish text); the phones are still what is said.
    ipa = re.sub(r"\([a-z-]+\)", "", ipa)
    ipa = re.sub(r"[ˈˌ\-‿ ]", "", ipa)
    table = _FOREIGN_ALL if foreign else _IPA
    phones, pos = [], 0
    while pos < len(ipa):
        for symbol, arpa in table:
            if ipa.startswith(symbol, pos):
                phones.extend(arpa.split())
                pos += len(symbol)
                break
        else:
            pos += 1  # a mark with no phone of its own (ː, ̃, ...)
    return " ".join(phones)


def letters_to_arpabet(word):
    """A crude pronunciation from spelling, for when espeak-ng is not installed.

    A word with no Latin letter (a kanji espeak-ng cannot read) is one
    syllable of any sound: its time is bounded by its neighbours.
    """
    return " ".join(_LETTERS[c] for c in word if c in _LETTERS) or "AH"


def espeak_pronunciations(words, language="en"):
    """IPA from espeak-ng for each word in ``language``, or {} when espeak-ng is missing
    or has no voice for it."""
    if not words or not espeak.available():
        return {}
    voice = espeak.voice_for(language)
    if voice is None:
        return {}
    # A one-letter word alone is read as the letter's name (Russian "в" as
    # "ve"); said twice, the first is read as the word in running speech.
    doubled = [len(w) == 1 and w.isalpha() and not is_unspaced(w) for w in words]
    texts = [f"{w} {w}" if twice else w for w, twice in zip(words, doubled)]
    out = {}
    for word, twice, ipa in zip(words, doubled, espeak.shared().ipa(texts, voice)):
        parts = ipa.split()
        if twice and len(parts) == 2:
            ipa = parts[0]
        if ipa:
            out[word] = ipa
    return out


def reading_language(word, language):
    """The language whose espeak-ng voice reads ``word``.

    espeak-ng's Japanese voice reads only kana (a kanji comes out as the
    English words "Chinese letter"), so a kanji is read by the Mandarin voice:
    one syllable, near its on'yomi in length, a stand-in for the true reading.
    """
    if language.lower().startswith("ja") and any(_is_han(c) for c in word):
        return "zh"
    return language


def _is_han(char):
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def is_english(language):
    return not language or language.lower().split("-")[0].split("_")[0] == "en"


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


def tokens_for(word_key, language="en"):
    """Dictionary tokens for one normalised subtitle word.

    English: numbers spelled, hyphens split. Another language: the whole word
    as ``"<language>:<word>"`` (espeak-ng reads its numbers and hyphens).
    """
    if not is_english(language):
        return [f"{language.lower()}:{word_key}"] if word_key else []
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
        self._loop = None   # the phone loop ``fit`` compares with, made when first needed
        self._known = set()
        self._added = {}   # token -> phones given to every decoder, made now or later
        self.pronunciations_added = 0

    def _decoder(self, beam):
        if beam not in self._decoders:
            from pocketsphinx import Decoder

            # pl_window=0: no phone-loop lookahead, which a known text does not need
            # (the same times on 1,269 words, ~9 % less CPU).
            decoder = Decoder(lm=None, bestpath=False, loglevel="FATAL", pl_window=0,
                              beam=beam, pbeam=beam, wbeam=beam * 1e20)
            for token, phones in self._added.items():
                decoder.add_word(token, phones, True)
            self._decoders[beam] = decoder
        return self._decoders[beam]

    def ensure_words(self, tokens):
        """Give every token a pronunciation in every decoder's dictionary."""
        base = self._decoder(BEAMS[0])
        missing = sorted({t for t in tokens if t not in self._known and base.lookup_word(t) is None})
        self._known.update(tokens)
        by_language = {}
        for token in missing:
            language, _, word = token.partition(":") if ":" in token else ("en", "", token)
            by_language.setdefault(reading_language(word, language), []).append((token, word))
        for language, pairs in by_language.items():
            ipa = espeak_pronunciations(sorted({w for _, w in pairs}), language)
            foreign = not is_english(language)
            for token, word in pairs:
                phones = ipa_to_arpabet(ipa[word], foreign) if word in ipa else ""
                self._add(token, phones or letters_to_arpabet(word))

    def _add(self, token, phones):
        self._added[token] = phones
        for decoder in self._decoders.values():
            decoder.add_word(token, phones, True)
        self.pronunciations_added += 1

    def first_phone(self, token):
        """The first phone of ``token``'s pronunciation (ARPAbet), given one if it has none."""
        self.ensure_words([token])
        phones = self._decoder(BEAMS[0]).lookup_word(token)
        return phones.split()[0] if phones else None

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
        segments = self._aligned(samples, tokens)
        if segments is None:
            return None
        return [(offset + seg.start_frame * FRAME, offset + (seg.end_frame + 1) * FRAME, seg.prob)
                for seg in segments if _is_word(seg.word)]

    def fit(self, samples, tokens):
        """How much worse than any phones ``tokens`` explain ``samples`` (int16): nats a frame, or None.

        Forced alignment puts words somewhere whether or not they were said;
        a phone loop over the same audio finds the phones that explain it
        best. Said there, the words come close to those phones; aligned onto
        other words, or onto noise, they fall well short.
        """
        if not tokens or len(samples) < MIN_FRAMES_PER_TOKEN * len(tokens) * FRAME * SAMPLE_RATE:
            return None
        # The widest beams: words that fit poorly are to be scored, not refused.
        aligned = self._aligned(samples, tokens, FOREIGN_BEAMS)
        loop = _decoded(self._phone_loop(), np.ascontiguousarray(samples, dtype=np.int16).tobytes())
        if not aligned or not loop:
            return None
        return (_log_score(loop) - _log_score(aligned)) / (len(samples) / SAMPLE_RATE / FRAME)

    def _aligned(self, samples, tokens, beams=None):
        """The decoder's segments (words and pauses) for ``tokens`` in ``samples``, or None."""
        self.ensure_words(tokens)
        audio = np.ascontiguousarray(samples, dtype=np.int16).tobytes()
        text = " ".join(tokens)
        for beam in beams or (FOREIGN_BEAMS if any(":" in t for t in tokens) else BEAMS):
            decoder = self._decoder(beam)
            try:
                decoder.set_align_text(text)
            except (RuntimeError, IndexError, ValueError):
                # The search could not be set up for this chunk: the caller
                # falls back for it, whatever the reason.
                _reset(decoder)
                return None
            segments = _decoded(decoder, audio)
            if segments is False:
                return None
            if segments and sum(_is_word(seg.word) for seg in segments) == len(tokens):
                return segments
        return None

    def _phone_loop(self):
        """A decoder of any phones in any order (the en-us phone bigram, lightly weighted)."""
        if self._loop is None:
            from pocketsphinx import Decoder, get_model_path

            # A light language weight: the phones that fit the sound best, not the likeliest English.
            self._loop = Decoder(allphone=get_model_path("en-us/en-us-phone.lm.bin"), lm=None, loglevel="FATAL",
                                 lw=2.0, beam=BEAMS[0], pbeam=BEAMS[0], bestpath=False)
        return self._loop


def word_times(tokens, times):
    """A TimedWord per word from its tokens' ``align`` times; None for a word with no token.

    ``tokens``: each word's list of tokens, in the order they were aligned.
    """
    out, pos = [], 0
    for word_tokens in tokens:
        if not word_tokens:
            out.append(None)
            continue
        span = times[pos:pos + len(word_tokens)]
        score = float(np.mean([s for _, _, s in span]))
        out.append(TimedWord(round(span[0][0], 3), round(span[-1][1], 3), round(score, 3)))
        pos += len(word_tokens)
    return out


def _decoded(decoder, audio):
    """The segments of ``audio`` (bytes) decoded with the search set up: None when it found
    no path, False when it failed."""
    try:
        decoder.start_utt()
        decoder.process_raw(audio, full_utt=True)
        decoder.end_utt()
    except (RuntimeError, IndexError, ValueError):
        _reset(decoder)
        return False
    return list(decoder.seg()) if decoder.hyp() is not None else None


def _log_score(segments):
    """The acoustic log-likelihood (nats) of decoded ``segments``, pauses included."""
    return sum(math.log(max(seg.ascore, 1e-300)) for seg in segments) * SCORE_SCALE


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


def int16_samples(audio, start, end):
    """The 16-bit samples of ``audio`` (float32, 16 kHz) between ``start`` and ``end`` seconds."""
    a, b = max(0, int(start * SAMPLE_RATE)), max(0, int(end * SAMPLE_RATE))
    if audio.dtype == np.int16:
        return audio[a:max(a, b)]
    return (np.clip(audio[a:max(a, b)], -1, 1) * 32767).astype(np.int16)


_FORKED = {}   # the audio a forked worker aligns spans of (inherited, never pickled)


def _align_span(span):
    start, end, tokens = span
    return shared_aligner().align(int16_samples(_FORKED["audio"], start, end), tokens, start)


def align_many(audio, spans, threads=0):
    """``align`` for each ``(start, end, tokens)`` span of ``audio``: on every core (or ``threads``)
    when there is much audio.

    Workers are forked, so they share the audio and the pronunciations added
    so far with this process instead of receiving copies (hours of audio
    would otherwise be pickled to them whole).
    """
    workers = threads or os.cpu_count() or 1
    seconds = sum(end - start for start, end, _ in spans)
    if (workers < 2 or seconds < PARALLEL_AUDIO or len(spans) < 4
            or "fork" not in multiprocessing.get_all_start_methods()):
        return [shared_aligner().align(int16_samples(audio, start, end), tokens, start)
                for start, end, tokens in spans]
    _FORKED["audio"] = audio
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(spans)),
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_align_span, spans, chunksize=4))
    finally:
        _FORKED.clear()
