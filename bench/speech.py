"""Spoken programmes with reference word times.

Each sentence is synthesised on its own so the pause after it is ours to
choose; its audio is trimmed to the speech and the sentences are joined with
known silence.  Word starts come from espeak's word events, refined and
checked against the signal's energy (see ``EnergyCheck``).
"""
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.espeak import engine
from srtmedia.pipeline.text.scripts import split_unspaced

HOP_S = 0.005              # energy frame
SILENT_DB = -34.0          # below the utterance's loudest frame = silence
LEAD_KEEP_S = 0.010        # silence kept before the first sound of a sentence
TAIL_KEEP_S = 0.020        # and after the last
PAUSE_BEFORE_S = 0.080     # a word this far after silence starts at its first sound
ONSET_SEARCH_S = 0.200


@dataclass
class RefWord:
    """One word of the text and where it is spoken (seconds, programme time).

    espeak sometimes speaks two words as one unit ("of the") and gives a
    single event; such a group's first word has the start, its last the end,
    and the inner times are None.
    """

    text: str
    start: float | None
    end: float | None
    sentence: int
    paragraph: int
    group: int


@dataclass
class EnergyCheck:
    """How the raw espeak events compare with the signal's energy.

    ``after_pause`` words follow silence, so their true onset is visible:
    ``raw_lead`` is how far the raw event came before it (the correction we
    apply).  ``gaps`` holds, per final start, the silence before its first
    sound and the word: a correct start has none, or a stop closure ("t",
    "p", "k" ...) of a few tens of ms.
    """

    words: int = 0
    groups: int = 0
    after_pause: int = 0
    raw_lead: list = field(default_factory=list)
    gaps: list = field(default_factory=list)   # [(seconds, word)]

    def merge(self, other):
        self.words += other.words
        self.groups += other.groups
        self.after_pause += other.after_pause
        self.raw_lead += other.raw_lead
        self.gaps += other.gaps

    def summary(self):
        """Plain numbers for reports."""
        lead = np.array(self.raw_lead or [0.0]) * 1000
        gap = np.array([g for g, _ in self.gaps] or [0.0]) * 1000
        closures = [w for g, w in self.gaps if g > 0.025]
        stops = sum(w[:1].lower() in "ptkbdgc" for w in closures)
        return {
            "words": self.words, "event_groups": self.groups,
            "merged_words": self.words - self.groups,
            "after_pause": self.after_pause,
            "raw_lead_ms_median": round(float(np.median(lead)), 1),
            "raw_lead_ms_p95": round(float(np.percentile(lead, 95)), 1),
            "raw_lead_ms_max": round(float(lead.max()), 1),
            "onset_gap_ms_median": round(float(np.median(gap)), 1),
            "onset_gap_ms_p95": round(float(np.percentile(gap, 95)), 1),
            "onset_gap_ms_max": round(float(gap.max()), 1),
            "starts_with_gap_over_25ms": len(closures),
            "of_which_stop_initial": stops,
            "starts_with_gap_over_100ms": int((gap > 100).sum()),
        }


@dataclass
class Programme:
    """Speech audio (float32, mono) with its words and sentence spans."""

    audio: np.ndarray
    rate: int
    words: list                       # [RefWord]
    sentences: list                   # [(start, end, paragraph)] seconds
    check: EnergyCheck

    @property
    def duration(self):
        return len(self.audio) / self.rate


def paragraphs(name):
    """The paragraphs of ``bench/texts/<name>.txt`` (blank-line separated)."""
    text = (Path(__file__).parent / "texts" / f"{name}.txt").read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def split_sentences(paragraph):
    """Sentences of a paragraph: split after . ! ? (or 。！？) followed by space."""
    return [s for s in re.split(r"(?<=[.!?。！？])\s+", paragraph.strip()) if s]


def frame_energy(x, rate):
    """Per-frame RMS (frames of ``HOP_S``) and the silence threshold."""
    hop = max(1, int(round(rate * HOP_S)))
    n = len(x) // hop
    frames = x[: n * hop].reshape(n, hop)
    rms = np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1))
    threshold = rms.max() * 10 ** (SILENT_DB / 20) if n else 0.0
    return rms, threshold, hop


def tokens_of(sentence):
    """The sentence's words as srtmedia reads subtitles: whitespace words, and one
    per character in scripts without spaces; with their character spans."""
    out = []
    for m in re.finditer(r"\S+", sentence):
        start = m.start()
        for piece in split_unspaced(m.group()):
            out.append((piece, start, start + len(piece)))
            start += len(piece)
    return out


def _token_groups(sentence, events):
    """Map word events (character offsets) to tokens: [(first_token, last_token, sample)]."""
    spans = [(a, b) for _, a, b in tokens_of(sentence)]
    first_sample = [None] * len(spans)
    for ev in events:
        for i, (a, b) in enumerate(spans):
            if a <= ev.offset < b:
                if first_sample[i] is None:
                    first_sample[i] = ev.sample
                break
    if first_sample and first_sample[0] is None:
        first_sample[0] = 0
    groups = []
    for i, sample in enumerate(first_sample):
        if sample is not None and (not groups or sample > groups[-1][2]):
            groups.append([i, i, sample])
        else:
            groups[-1][1] = i  # spoken with the previous word
    return [tuple(g) for g in groups]


def _time_groups(groups, tokens, voiced, hop, check):
    """Refined (start_frame, end_frame) per group; updates ``check``."""
    pause = int(PAUSE_BEFORE_S / HOP_S)
    search = int(ONSET_SEARCH_S / HOP_S)
    starts = []
    for first, _, sample in groups:
        f = sample // hop
        if f == 0 or not voiced[max(0, f - pause): f].any():
            # After silence the event marks the pause, not the sound: move to the onset.
            ahead = np.flatnonzero(voiced[f: f + search])
            if len(ahead):
                check.after_pause += 1
                check.raw_lead.append(ahead[0] * HOP_S)
                f += int(ahead[0])
        ahead = np.flatnonzero(voiced[f:])
        gap = ahead[0] * HOP_S if len(ahead) else float("inf")
        check.gaps.append((gap, tokens[first]))
        starts.append(f)
    last = int(np.flatnonzero(voiced)[-1]) + 1 if voiced.any() else len(voiced)
    spans = []
    for i, f in enumerate(starts):
        limit = starts[i + 1] if i + 1 < len(starts) else last
        sounding = np.flatnonzero(voiced[f:limit])
        end = f + int(sounding[-1]) + 1 if len(sounding) else limit
        spans.append((f, max(end, f + 4)))
    check.groups += len(groups)
    return spans


def speak_sentence(sentence, voice, wpm, pitch=50):
    """Trimmed audio of one sentence and its words' (start, end, group) in seconds."""
    tts = engine()
    raw, events = tts.synth(sentence, voice=voice, wpm=wpm, pitch=pitch)
    rate = tts.sample_rate
    x = raw.astype(np.float32) / 32768.0
    rms, threshold, hop = frame_energy(x, rate)
    voiced = rms > threshold
    check = EnergyCheck()
    tokens = [t for t, _, _ in tokens_of(sentence)]
    check.words += len(tokens)
    groups = _token_groups(sentence, events)
    spans = _time_groups(groups, tokens, voiced, hop, check)
    first = spans[0][0] * hop
    cut_from = max(0, first - int(LEAD_KEEP_S * rate))
    cut_to = min(len(x), spans[-1][1] * hop + int(TAIL_KEEP_S * rate))
    words = []
    for g, ((a, b, _), (fs, fe)) in enumerate(zip(groups, spans)):
        for i in range(a, b + 1):
            start = (fs * hop - cut_from) / rate if i == a else None
            end = (fe * hop - cut_from) / rate if i == b else None
            words.append((tokens[i], start, end, g))
    return x[cut_from:cut_to], words, check


class ProgrammeBuilder:
    """A programme assembled piece by piece: spoken sentences, recorded clips, pauses."""

    def __init__(self, lead_in=1.0, pitch=50):
        self.rate = engine().sample_rate
        self.pitch = pitch
        self.pieces = [np.zeros(int(lead_in * self.rate), np.float32)]
        self.t = len(self.pieces[0]) / self.rate
        self.words, self.sentences, self.check, self.groups = [], [], EnergyCheck(), 0

    def _append(self, audio, swords, paragraph):
        """Add one sentence's audio and its words [(text, start, end, group)] (sentence times)."""
        for text, start, end, g in swords:
            self.words.append(RefWord(text, _shift(start, self.t), _shift(end, self.t),
                                      len(self.sentences), paragraph, self.groups + g))
        self.groups += swords[-1][3] + 1
        self.sentences.append((self.t, self.t + len(audio) / self.rate, paragraph))
        self.pieces.append(audio)
        self.t += len(audio) / self.rate

    def speak(self, sentence, voice, wpm, paragraph):
        """Synthesise ``sentence``; return its sentence index."""
        audio, swords, check = speak_sentence(sentence, voice, wpm, self.pitch)
        self.check.merge(check)
        self._append(audio, swords, paragraph)
        return len(self.sentences) - 1

    def clip(self, audio, lines, paragraph):
        """Add recorded speech (at ``rate``) whose lines are known only at their edges.

        ``lines`` is [(text, start, end)] in clip seconds, one sentence each:
        a line's first word gets its start, its last word its end, and its
        words form one group so that cues never split it.  Returns the
        sentence indices.
        """
        base, indices = self.t, []
        self.pieces.append(np.asarray(audio, np.float32))
        for text, start, end in lines:
            tokens = text.split()
            for i, token in enumerate(tokens):
                self.words.append(RefWord(token, _shift(start, base) if i == 0 else None,
                                          _shift(end, base) if i == len(tokens) - 1 else None,
                                          len(self.sentences), paragraph, self.groups))
            self.groups += 1
            self.sentences.append((round(base + start, 4), round(base + end, 4), paragraph))
            indices.append(len(self.sentences) - 1)
        self.t += len(audio) / self.rate
        return indices

    def pause(self, seconds):
        n = int(seconds * self.rate)
        self.pieces.append(np.zeros(n, np.float32))
        self.t += n / self.rate

    def programme(self):
        return Programme(np.concatenate(self.pieces), self.rate, self.words, self.sentences, self.check)


def build_programme(texts, voices, wpm, seed=0, lead_in=1.0, pitch=50):
    """Speak ``texts`` (paragraphs) with random pauses between sentences.

    ``voices`` and ``wpm`` (a number or a list) cycle per paragraph, like
    speakers taking turns.
    """
    wpms = wpm if isinstance(wpm, (list, tuple)) else [wpm]
    rng = np.random.default_rng(seed)
    builder = ProgrammeBuilder(lead_in, pitch)
    for p, paragraph in enumerate(texts):
        sents = split_sentences(paragraph)
        for s, sentence in enumerate(sents):
            builder.speak(sentence, voices[p % len(voices)], wpms[p % len(wpms)], p)
            builder.pause(sentence_pause(rng, last=s == len(sents) - 1))
    return builder.programme()


def sentence_pause(rng, last):
    """Seconds of silence after a sentence: longer at the end of a paragraph."""
    return rng.uniform(1.2, 2.0) if last else rng.uniform(0.35, 0.9)


def _shift(value, t):
    return None if value is None else round(value + t, 4)
