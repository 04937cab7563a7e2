"""Word timings in other languages: two methods side by side on speech with known word times.

    python -m bench.wordtiming [--languages es,de,ru,zh] [--variant f3] [--wpm 130] [--json out.json]

Each text of ``texts/languages/`` is spoken by espeak-ng (``bench.speech``,
word truth from espeak's word events refined on the signal). Every sentence
is a cue whose edges are up to 20 ms off its speech (the speech-timing path
places cue starts 2 ms off at the median, 19 ms at the 95th percentile, on
bench/languages.py's cases), and its words are timed in the audio around it
(``words_in_cues.window``) by:

* ``phones``: srtmedia's ``words_in_cues.align_in_cues`` (the aligner's own
  times: the pipeline then puts each cue's first word on the cue's placed
  start): forced alignment (PocketSphinx, en-us acoustic model) with
  espeak-ng's pronunciations in the language mapped to ARPAbet;
* ``dtw``: aeneas's method: the sentence synthesised again by espeak-ng (its
  default voice and speed), MFCCs of both, dynamic time warping (open begin
  and end, slopes 1/2 to 2), each word start carried over the warping path.

Both lean on espeak: the truth is espeak speech, so ``dtw`` compares espeak
with itself. ``--variant`` speaks the truth with another espeak voice variant
(``f3``: a female voice) and ``--wpm`` at another speed, so that the
synthesised copy (default voice, 175 wpm) differs from it.
Figures: word start error (ms) median, 90th percentile, share within 50 ms.
"""
import argparse
import json
import time
from types import SimpleNamespace

import numpy as np

from bench.espeak import engine
from bench.speech import build_programme, paragraphs, speak_sentence, split_sentences
from srtmedia.pipeline.audio.media import SAMPLE_RATE
from srtmedia.pipeline.model import Cue
from srtmedia.pipeline.text.words import words_from_cues
from srtmedia.pipeline.timing.words_in_cues import align_in_cues, window

VOICES = {"es": ("es", 165), "de": ("de", 155), "fr": ("fr", 165), "ru": ("ru", 150),
          "zh": ("cmn", 150), "ja": ("ja", 150), "en": ("en-us", 165)}
HOP = 160                  # 10 ms at 16 kHz
WINDOW = 400               # 25 ms
MELS, CEPSTRA = 40, 13


def resample(x, rate):
    """``x`` at ``rate`` to 16 kHz by linear interpolation (enough for MFCCs of speech)."""
    if rate == SAMPLE_RATE:
        return x.astype(np.float32)
    n = int(len(x) * SAMPLE_RATE / rate)
    return np.interp(np.arange(n) * rate / SAMPLE_RATE, np.arange(len(x)), x).astype(np.float32)


def _mel_filters():
    def mel(f):
        return 2595 * np.log10(1 + f / 700)

    edges = 700 * (10 ** (np.linspace(mel(60), mel(7600), MELS + 2) / 2595) - 1)
    bins = np.floor((WINDOW + 1) * edges / SAMPLE_RATE).astype(int)
    filters = np.zeros((MELS, WINDOW // 2 + 1))
    for m in range(1, MELS + 1):
        left, centre, right = bins[m - 1], bins[m], bins[m + 1]
        filters[m - 1, left:centre] = (np.arange(left, centre) - left) / max(1, centre - left)
        filters[m - 1, centre:right] = (right - np.arange(centre, right)) / max(1, right - centre)
    return filters


_FILTERS = _mel_filters()
_DCT = np.cos(np.pi / MELS * (np.arange(MELS) + 0.5)[None, :] * np.arange(CEPSTRA)[:, None])


def mfcc(x):
    """13 MFCCs per 10 ms frame of 16 kHz ``x``, mean-normalised."""
    x = np.append(x[:1], x[1:] - 0.97 * x[:-1])
    n = max(1, 1 + (len(x) - WINDOW) // HOP)
    x = np.pad(x, (0, max(0, (n - 1) * HOP + WINDOW - len(x))))
    frames = np.lib.stride_tricks.sliding_window_view(x, WINDOW)[::HOP][:n] * np.hamming(WINDOW)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    feats = np.log(power @ _FILTERS.T + 1e-10) @ _DCT.T
    return feats - feats.mean(axis=0)


def dtw_path(query, reference):
    """For each query frame, its reference frame on the cheapest warping path.

    Open begin and end on the reference side; steps (1,1), (1,2), (2,1).
    """
    cost = np.sqrt(((query[:, None, :] - reference[None, :, :]) ** 2).sum(axis=2))
    rows, cols = cost.shape
    total = np.full((rows, cols), np.inf)
    step = np.zeros((rows, cols), np.int8)
    total[0] = cost[0]
    for i in range(1, rows):
        options = np.full((3, cols), np.inf)
        options[0, 1:] = total[i - 1, :-1]
        options[1, 2:] = total[i - 1, :-2]
        if i >= 2:
            options[2, 1:] = total[i - 2, :-1]
        step[i] = options.argmin(axis=0)
        total[i] = cost[i] + options[step[i], np.arange(cols)]
    j = int(total[-1].argmin())
    path = np.zeros(rows, int)
    i = rows - 1
    while i >= 0:
        path[i] = j
        if i == 0:
            break
        kind = step[i, j]
        if kind == 2:
            path[i - 1] = j - 1 if j > 0 else 0
            i, j = i - 2, j - 1
        else:
            i, j = i - 1, j - (1 if kind == 0 else 2)
        j = max(j, 0)
    return path


def by_dtw(chunk, sentence, language, start, with_ends=False):
    """Word starts (seconds) of ``sentence`` in ``chunk`` (16 kHz) by synthesis and DTW
    (and their ends too, ``with_ends``)."""
    voice, _ = VOICES[language]
    synthetic, words, _check = speak_sentence(sentence, voice, 175)
    synthetic = resample(synthetic, engine().sample_rate)
    path = dtw_path(mfcc(synthetic), mfcc(chunk))
    def carried(t):
        return None if t is None else start + path[min(len(path) - 1, int(round(t * SAMPLE_RATE / HOP)))] * HOP / SAMPLE_RATE

    starts = [carried(word_start) for _text, word_start, _end, _group in words]
    return (starts, [carried(end) for _text, _start, end, _group in words]) if with_ends else starts


def measure(language, variant="", wpm=None, seed=0):
    """Errors (seconds) per method for one language's text."""
    voice, default_wpm = VOICES[language]
    wpm = wpm or default_wpm
    texts = paragraphs(f"languages/{language}")
    programme = build_programme(texts, [voice + (f"+{variant}" if variant else "")], wpm, seed=seed)
    audio = resample(programme.audio, programme.rate)
    sentences = [s for p in texts for s in split_sentences(p)]
    rng = np.random.default_rng(seed)
    # Cues as the speech-timing path places them: each edge within 20 ms of the speech.
    cue_times = [SimpleNamespace(start=a + rng.uniform(-0.02, 0.02), end=b + rng.uniform(-0.02, 0.02), found=True)
                 for a, b, _ in programme.sentences]
    cues = [Cue(k, c.start, c.end, text) for k, (c, text) in enumerate(zip(cue_times, sentences))]
    words = words_from_cues(cues)
    truth = [w.start for w in programme.words]
    if len(words) != len(truth):
        raise RuntimeError(f"{language}: {len(words)} subtitle words, {len(truth)} spoken")
    began = time.perf_counter()
    aligned = align_in_cues(audio, words, cue_times, language, keep_cue_starts=False)
    phones = [w.start if w else None for w in aligned]
    seconds = {"phones": time.perf_counter() - began}
    began = time.perf_counter()
    dtw = []
    for k, (place, sentence) in enumerate(zip(cue_times, sentences)):
        before = cue_times[k - 1].end if k else None
        after = cue_times[k + 1].start if k + 1 < len(cue_times) else None
        lo, hi = window(place.start, place.end, before, after, len(audio) / SAMPLE_RATE)
        dtw += by_dtw(audio[int(lo * SAMPLE_RATE):int(hi * SAMPLE_RATE)], sentence, language, lo)
    seconds["dtw"] = time.perf_counter() - began
    out = {}
    for method, starts in (("phones", phones), ("dtw", dtw)):
        # A word the method could not place counts as wrong by its cue's whole length.
        errors = [abs(got - want) if got is not None else cue_times[w.cue_index].end - cue_times[w.cue_index].start
                  for got, want, w in zip(starts, truth, words) if want is not None]
        missing = sum(got is None for got, want in zip(starts, truth) if want is not None)
        out[method] = _summary(errors, missing, seconds[method], programme.duration)
    return out


def measure_human(seed=0):
    """Cue first-word starts and last-word ends on the LibriVox reading (a real voice, English).

    Its truth is only each line's edges, so only those are scored. ``phones``
    reads the words with espeak-ng's pronunciations (tokens ``en:<word>``),
    not the English dictionary, as it does in any other language.
    """
    from bench.compose import _human_reading

    audio, lines = _human_reading(SAMPLE_RATE)
    rng = np.random.default_rng(seed)
    cue_times = [SimpleNamespace(start=a + rng.uniform(-0.1, 0.1), end=b + rng.uniform(-0.1, 0.1), found=True)
                 for _, a, b in lines]
    cues = [Cue(k, c.start, c.end, text) for k, (c, (text, _, _)) in enumerate(zip(cue_times, lines))]
    words = words_from_cues(cues)
    firsts = [min(w.id for w in words if w.cue_index == k) for k in range(len(cues))]
    lasts = [max(w.id for w in words if w.cue_index == k) for k in range(len(cues))]
    with _espeak_english():
        phones = align_in_cues(audio, words, cue_times, "en", keep_cue_starts=False)
    dtw = []
    for k, (place, (text, _, _)) in enumerate(zip(cue_times, lines)):
        before = cue_times[k - 1].end if k else None
        after = cue_times[k + 1].start if k + 1 < len(cue_times) else None
        lo, hi = window(place.start, place.end, before, after, len(audio) / SAMPLE_RATE)
        starts, ends = by_dtw(audio[int(lo * SAMPLE_RATE):int(hi * SAMPLE_RATE)], text, "en", lo, with_ends=True)
        dtw.append((starts[0], ends[-1]))
    out = {}
    for method, edges in (("phones", [(phones[f].start, phones[l].end) if phones[f] and phones[l] else (None, None)
                                      for f, l in zip(firsts, lasts)]), ("dtw", dtw)):
        errors = [abs(got - want) if got is not None else 1.0
                  for (s, e), (_, a, b) in zip(edges, lines) for got, want in ((s, a), (e, b))]
        out[method] = _summary(errors, sum(s is None for s, _ in edges), 0.0, len(audio) / SAMPLE_RATE)
    return out


def _espeak_english():
    """English words read by espeak-ng rather than looked up in the dictionary, as other languages are."""
    import contextlib

    from srtmedia.pipeline.timing import words_in_cues

    original = words_in_cues.tokens_for

    @contextlib.contextmanager
    def patched():
        words_in_cues.tokens_for = lambda key, language: [f"en:{key}"] if key else []
        try:
            yield
        finally:
            words_in_cues.tokens_for = original
    return patched()


def _summary(errors, failed, seconds, duration):
    e = np.array(errors) * 1000
    return {"words": len(e), "median_ms": round(float(np.median(e)), 1),
            "p90_ms": round(float(np.percentile(e, 90)), 1),
            "within_50ms": round(float((e <= 50).mean() * 100), 1),
            "words_not_placed": failed, "seconds_per_audio_minute": round(seconds / duration * 60, 2)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--languages", default="es,de,ru,zh")
    parser.add_argument("--variant", default="", help="espeak voice variant for the truth, e.g. f3")
    parser.add_argument("--wpm", type=int, help="words a minute of the truth (default: per language)")
    parser.add_argument("--human", action="store_true",
                        help="also the LibriVox reading (real voice; cue edges only)")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    report = {}
    print(f"{'language':8} {'method':7} {'words':>5} {'median':>7} {'p90':>7} {'<=50ms':>7} {'missed':>6} {'s/min':>6}")
    for language in args.languages.split(","):
        report[language] = measure(language, args.variant, args.wpm)
        for method, row in report[language].items():
            print(f"{language:8} {method:7} {row['words']:5d} {row['median_ms']:6.1f}  {row['p90_ms']:6.1f}  "
                  f"{row['within_50ms']:6.1f}% {row['words_not_placed']:6d} {row['seconds_per_audio_minute']:6.2f}")
    if args.human:
        report["human-en"] = measure_human()
        for method, row in report["human-en"].items():
            print(f"{'human-en':8} {method:7} {row['words']:5d} {row['median_ms']:6.1f}  {row['p90_ms']:6.1f}  "
                  f"{row['within_50ms']:6.1f}% {row['words_not_placed']:6d}      -")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)


if __name__ == "__main__":
    main()
