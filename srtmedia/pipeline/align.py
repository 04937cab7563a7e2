"""The ``aligning`` stage: a media time for every subtitle word.

1. Anchors: subtitle words matched to recognised words (``sync``), split into
   runs of constant offset; each run is a stretch of media with no cut.
2. Chunks: each run is cut at pauses between anchored words into pieces of
   at most ~25 s, so every word of a chunk is spoken inside its audio.
3. Forced alignment (``forced``) places each chunk's words to 10 ms.
4. Words between runs (around a cut) are tried at the end of the run before
   and the start of the run after; words that fit neither are not spoken.
"""
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from srtmedia.pipeline import sync
from srtmedia.pipeline.errors import Cancelled
from srtmedia.pipeline.forced import shared_aligner, tokens_for
from srtmedia.pipeline.media import SAMPLE_RATE
from srtmedia.pipeline.model import TimedWord
from srtmedia.pipeline.text import normalize

CHUNK_MIN = 6.0       # seconds: don't cut a chunk shorter than this
CHUNK_MAX = 25.0      # seconds: forced alignment degrades on longer audio
GAP_TRY = 4           # words tried at each side of a cut
PARALLEL_AUDIO = 90.0  # seconds of chunk audio above which both cores align


@dataclass
class Chunk:
    first: int        # subtitle word indices, inclusive
    last: int
    start: float      # media seconds
    end: float


@dataclass
class Alignment:
    """What the stage found: a TimedWord per subtitle word, plus the timing model."""

    words: list
    ratio: float
    runs: list
    anchors: int
    heard: list       # True where the word was placed in the audio


def align_words(audio, words, cues, transcript, options, progress=None, is_cancelled=None):
    """Time every subtitle word in ``audio``; return an Alignment."""
    report = progress or (lambda fraction, message: None)
    cancelled = is_cancelled or (lambda: False)
    keys = ["" if w.sound else normalize(w.text) for w in words]
    sub_times = estimate_word_times(words, cues)
    asr = transcript.words
    anchors = sync.match_anchors(keys, sub_times, [normalize(w.text) for w in asr],
                                 [w.start for w in asr])
    ratio, runs = sync.find_runs(anchors)
    report(0.05, f"Found {len(runs)} segment(s) of constant offset from {len(anchors)} matches")
    timed = [TimedWord(None, None, 0.0) for _ in words]
    if not runs:
        # Nothing matched: keep the subtitles' own times rather than invent others.
        ends = sub_times[1:] + [cues[-1].end if cues else 0.0]
        estimated = [TimedWord(round(s, 3), round(max(s, e), 3), 0.0) for s, e in zip(sub_times, ends)]
        return Alignment(estimated, ratio, runs, len(anchors), [False] * len(words))
    energy = Energy(audio, transcript.speech)
    tokens = [tokens_for(k) for k in keys]  # dictionary tokens per word, spelled once
    plans = [plan_chunks(run, asr, energy) for run in runs]
    chunks = [c for plan in plans for c in plan]
    jobs = [(_samples(audio, c), _chunk_tokens(tokens, c), c.start) for c in chunks]
    results = _align_all(jobs, options) if options.word_timing else [None] * len(jobs)
    for k, (chunk, times) in enumerate(zip(chunks, results)):
        if cancelled():
            raise Cancelled()
        if times is not None:
            _store(timed, tokens, chunk, times)
        else:
            _fallback(timed, run_for(runs, chunk.first), chunk, asr, sub_times)
        report(0.1 + 0.8 * (k + 1) / len(chunks), f"Aligning chunk {k + 1}/{len(chunks)}")
    for k in range(len(plans) + 1 if options.word_timing else 0):
        before = plans[k - 1][-1] if k > 0 else None
        after = plans[k][0] if k < len(plans) else None
        _place_gap(audio, keys, tokens, timed, before, after, energy)
    snap_to_onsets(timed, energy)
    report(1.0, "Word timings done")
    return Alignment(timed, ratio, runs, len(anchors), [w.start is not None for w in timed])


def snap_to_onsets(timed, energy, reach=0.15):
    """Move word starts that follow a pause onto the rise of the sound.

    PocketSphinx often lets the leading silence eat the first phone of a word
    after a pause, or stretches the word back over the pause; the energy rise
    there is the better start. Words in running speech are left as aligned.
    """
    previous_end = 0.0
    for k, word in enumerate(timed):
        if word.start is None:
            continue
        # After a pause, or where the word opens on silence (the aligner
        # stretched it back over the pause instead of inserting one).
        if word.start - previous_end >= 0.02 or k == 0 or energy.voiced(word.start, word.start + 0.05) < 0.5:
            # Search to the word's end: a word stretched over the pause starts at its first sound.
            onset = energy.onset(max(previous_end, word.start - reach), word.end)
            if onset is not None and onset < word.end:
                timed[k] = TimedWord(round(onset, 3), word.end, word.confidence)
            elif energy.voiced(word.start, word.end) < 0.3:
                _move_out_of_silence(timed, k, energy)
        previous_end = timed[k].end


def _move_out_of_silence(timed, k, energy):
    """A word placed wholly in a pause belongs where the sound resumes, before the next word.

    The aligner sometimes parks a short word in the silence and lets the next
    word absorb its sound; the onset after the pause is where it was said.
    """
    word = timed[k]
    after = next((j for j in range(k + 1, len(timed)) if timed[j].start is not None), None)
    limit = timed[after].end if after is not None else word.end + 1.0
    onset = energy.onset(word.start, limit)
    if onset is None:
        return
    end = round(onset + (word.end - word.start), 3)
    timed[k] = TimedWord(round(onset, 3), end, word.confidence)
    if after is not None and timed[after].start < end:
        nxt = timed[after]
        timed[after] = TimedWord(end, max(end, nxt.end), nxt.confidence)


def estimate_word_times(words, cues):
    """Where each word falls in subtitle time: spread over its cue by characters."""
    by_cue = {}
    for w in words:
        by_cue.setdefault(w.cue_index, []).append(w)
    times = [0.0] * len(words)
    for cue_index, members in by_cue.items():
        cue = cues[cue_index]
        total = sum(len(w.text) + 1 for w in members) or 1
        seen = 0
        for w in members:
            times[w.id] = cue.start + (cue.end - cue.start) * seen / total
            seen += len(w.text) + 1
    return times


class Energy:
    """Frame energy in dB (10 ms frames) and a silence threshold for this file."""

    FRAME = 160

    def __init__(self, audio, speech=()):
        self.speech = list(speech)  # VAD regions: music is loud but not speech
        n = len(audio) // self.FRAME
        frames = audio[: n * self.FRAME].reshape(n, self.FRAME)
        self.db = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
        loud, quiet = np.percentile(self.db, 90), np.percentile(self.db, 5)
        self.threshold = min(max(quiet + 6, loud - 30), loud - 10)

    def pause(self, lo, hi, width=0.05):
        """Centre (s) of the quietest ``width`` window in [lo, hi] if it is silence, else None."""
        a, b = max(0, int(lo * 100)), min(len(self.db), int(hi * 100))
        w = max(1, int(width * 100))
        if b - a < w:
            return None
        sums = np.convolve(self.db[a:b], np.ones(w) / w, mode="valid")
        k = int(np.argmin(sums))
        return (a + k + w / 2) / 100 if sums[k] < self.threshold else None

    def onset(self, lo, hi):
        """Start (s) of the first run of 3 voiced frames in [lo, hi] after a silent frame."""
        a, b = max(0, int(round(lo * 100))), min(len(self.db), int(round(hi * 100)))
        voiced = self.db[a:b] > self.threshold
        for k in range(1, len(voiced) - 2):
            if not voiced[k - 1] and voiced[k] and voiced[k + 1] and voiced[k + 2]:
                return (a + k) / 100
        return None

    def speech_share(self, start, end):
        """Share of [start, end] that voice activity detection called speech."""
        if end <= start:
            return 0.0
        covered = sum(max(0.0, min(end, b) - max(start, a)) for a, b in self.speech)
        return covered / (end - start)

    def voiced(self, start, end):
        """Share of the 10 ms frames in [start, end] louder than silence."""
        frames = self.db[max(0, int(start * 100)):max(0, int(end * 100))]
        return float(np.mean(frames > self.threshold)) if len(frames) else 0.0


def plan_chunks(run, asr, energy):
    """Cut a run into chunks at silent pauses between consecutive anchored words."""
    anchors = run.anchors
    first = anchors[0]
    start = energy.pause(asr[first.asr].start - 1.0, asr[first.asr].start + 0.05) or max(
        0.0, asr[first.asr].start - 0.3)
    chunks, chunk_first = [], first.sub
    for a, b in zip(anchors, anchors[1:]):
        length = asr[a.asr].end - start
        if length < CHUNK_MIN or b.sub != a.sub + 1 or b.asr != a.asr + 1:
            continue
        cut = energy.pause(asr[a.asr].end - 0.25, asr[b.asr].start + 0.05)
        if cut is None and length < CHUNK_MAX:
            continue
        cut = cut or (asr[a.asr].end + asr[b.asr].start) / 2
        chunks.append(Chunk(chunk_first, a.sub, start, cut))
        chunk_first, start = b.sub, cut
    last = anchors[-1]
    end = energy.pause(asr[last.asr].end - 0.2, asr[last.asr].end + 1.0) or asr[last.asr].end + 0.3
    chunks.append(Chunk(chunk_first, last.sub, start, end))
    return chunks


def run_for(runs, sub_index):
    """The run whose anchors span ``sub_index`` (or the nearest one before it)."""
    chosen = runs[0]
    for run in runs:
        if run.anchors[0].sub <= sub_index:
            chosen = run
    return chosen


def _samples(audio, chunk):
    a, b = int(chunk.start * SAMPLE_RATE), int(chunk.end * SAMPLE_RATE)
    return (np.clip(audio[max(0, a):b], -1, 1) * 32767).astype(np.int16)


def _chunk_tokens(tokens, chunk):
    return [t for i in range(chunk.first, chunk.last + 1) for t in tokens[i]]


def _align_one(job):
    samples, tokens, offset = job
    return shared_aligner().align(samples, tokens, offset)


def _align_all(jobs, options):
    workers = options.threads or os.cpu_count() or 1
    seconds = sum(len(s) for s, _, _ in jobs) / SAMPLE_RATE
    if workers < 2 or seconds < PARALLEL_AUDIO or len(jobs) < 4:
        return [_align_one(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        return list(pool.map(_align_one, jobs, chunksize=4))


def _store(timed, tokens, chunk, times):
    """Spread token times back onto the chunk's words (a number may be several tokens)."""
    pos = 0
    for i in range(chunk.first, chunk.last + 1):
        n = len(tokens[i])
        if n:
            span = times[pos:pos + n]
            score = float(np.mean([s for _, _, s in span]))
            timed[i] = TimedWord(round(span[0][0], 3), round(span[-1][1], 3), round(score, 3))
            pos += n


def _fallback(timed, run, chunk, asr, sub_times):
    """When forced alignment fails: Whisper times for matched words, the run's map otherwise."""
    matched = {a.sub: a for a in run.anchors}
    for i in range(chunk.first, chunk.last + 1):
        if i in matched:
            w = asr[matched[i].asr]
            timed[i] = TimedWord(round(w.start - sync.WHISPER_LAG, 3), round(w.end - sync.WHISPER_LAG, 3),
                                 round(w.confidence * 0.5, 3))
        elif timed[i].start is None:
            t = run.media_time(sub_times[i])
            timed[i] = TimedWord(round(t, 3), round(t + 0.2, 3), 0.1)


def _place_gap(audio, keys, tokens, timed, before, after, energy):
    """Try the words between two runs at the end of ``before``, then the start of ``after``."""
    lo = before.last + 1 if before else 0
    hi = after.first - 1 if after else len(keys) - 1
    gap = [i for i in range(lo, hi + 1) if keys[i] and timed[i].start is None]
    if not gap:
        return
    aligner = shared_aligner()
    limit_end = after.start if after else len(audio) / SAMPLE_RATE
    limit_start = before.end if before else 0.0
    if before:
        for m in range(min(GAP_TRY, len(gap)), 0, -1):
            end = min(limit_end, before.end + 0.6 * m + 0.6)
            end = energy.pause(end - 0.4, end) or end
            chunk = Chunk(before.first, gap[m - 1], before.start, end)
            if _try(aligner, audio, tokens, timed, chunk, gap[:m], energy):
                gap = gap[m:]
                break
    if after and gap:
        for m in range(min(GAP_TRY, len(gap)), 0, -1):
            start = max(limit_start, after.start - 0.6 * m - 0.6)
            start = energy.pause(start, start + 0.4) or start
            chunk = Chunk(gap[-m], after.last, start, after.end)
            if _try(aligner, audio, tokens, timed, chunk, gap[-m:], energy):
                break


def _try(aligner, audio, tokens, timed, chunk, new_words, energy):
    """Align ``chunk``; keep its times only if the ``new_words`` landed on real speech.

    The aligner will squeeze unspoken words into a pause, or onto music,
    rather than fail, so a word must last a plausible time, cover mostly
    voiced frames, and lie where voice activity detection heard speech.
    """
    times = aligner.align(_samples(audio, chunk), _chunk_tokens(tokens, chunk), chunk.start)
    if times is None:
        return False
    trial = list(timed)
    _store(trial, tokens, chunk, times)
    # Words already placed must stay put: if they moved, the new words stole their audio.
    for i in range(chunk.first, chunk.last + 1):
        if i not in new_words and timed[i].start is not None and abs(trial[i].start - timed[i].start) > 0.05:
            return False
    for i in new_words:
        w = trial[i]
        if (w.start is None or not 0.06 <= w.end - w.start <= 1.5 or energy.voiced(w.start, w.end) < 0.6
                or energy.speech_share(w.start, w.end) < 0.5):
            return False
    timed[:] = trial
    return True
