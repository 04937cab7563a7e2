"""The ``aligning`` stage: a media time for every subtitle word.

1. Anchors: subtitle words matched to recognised words (``sync``), split into
   runs of constant offset; each run is a stretch of media with no cut.
2. Chunks: each run is cut at pauses between anchored words into pieces of
   at most ~25 s, so every word of a chunk is spoken inside its audio.
3. Forced alignment (``forced``) places each chunk's words to 10 ms.
4. Words between runs (around a cut) are tried, whole cues at a time, at the
   end of the run before and the start of the run after; words that fit
   neither, or only where the recogniser heard other words, are not spoken.
"""
from dataclasses import dataclass, field

import numpy as np

from srtmedia.pipeline.timing import sync
from srtmedia.pipeline.errors import Cancelled
from srtmedia.pipeline.timing.forced import align_many, int16_samples, shared_aligner, tokens_for
from srtmedia.pipeline.timing.mapping import Words as MapWords
from srtmedia.pipeline.timing.mapping import find_map
from srtmedia.pipeline.audio.media import SAMPLE_RATE
from srtmedia.pipeline.model import TimedWord
from srtmedia.pipeline.timing.onsets import Energy, snap_to_onsets
from srtmedia.pipeline.text.words import normalize

CHUNK_MIN = 6.0       # seconds: don't cut a chunk shorter than this
CHUNK_MAX = 25.0      # seconds: forced alignment degrades on longer audio
GAP_CUES = 3          # cues tried at each side of a cut
GAP_SLACK = 0.6       # seconds around where a side's offset puts the tried cues
WORD_LEAST = 0.03     # seconds: the aligner's least time for a word (one phone, three 10 ms states)
WORD_SHORT = 0.06     # seconds: few words said are shorter
WORD_LONGEST = 1.5    # seconds: no word said is longer; the aligner stretched it over a pause
HEARD_NEAR = 0.3      # seconds from where a word was said (heard, or its cue mapped) that a re-aligned word may lie
STAND_IN_SLACK = 0.4  # seconds around a stand-in cue boundary searched for the pause to cut at
GAP_SKIP = 2          # cues that fit neither side a gap leaves out, to try those beyond them
SKIP_NEAR = 1.0       # seconds from its mapped start a cue tried past a left-out one may lie
ALONE_GAP = 0.5       # seconds of media between a tried cue's mapped times and the side's chunk: tried alone too
LEAD_REACH = 0.25     # seconds after its cue's mapped start a chunk may begin, when it has words before its first anchor


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
    warnings: list = field(default_factory=list)


def align_words(audio, words, cues, transcript, options, progress=None, is_cancelled=None):
    """Time every subtitle word in ``audio``; return an Alignment."""
    report = progress or (lambda fraction, message: None)
    cancelled = is_cancelled or (lambda: False)
    keys = ["" if w.sound else normalize(w.text) for w in words]
    sub_times = sync.estimate_word_times(words, cues)
    asr = transcript.words
    asr_keys = [normalize(w.text) for w in asr]
    ratio, runs, anchors = find_map(MapWords(keys, sub_times, [w.cue_index for w in words], cues, asr_keys,
                                             [w.start - sync.WHISPER_LAG for w in asr]), transcript.ratio)
    report(0.05, f"Found {len(runs)} segment(s) of constant offset from {len(anchors)} matches")
    timed = [TimedWord(None, None, 0.0) for _ in words]
    if not runs:
        # Nothing matched: keep the subtitles' own times rather than invent others.
        ends = sub_times[1:] + [cues[-1].end if cues else 0.0]
        estimated = [TimedWord(round(s, 3), round(max(s, e), 3), 0.0) for s, e in zip(sub_times, ends)]
        return Alignment(estimated, ratio, runs, len(anchors), [False] * len(words))
    energy = Energy(audio, transcript.speech)
    # Pronounced in the language the words were recognised in (a detected
    # subtitle language may be wrong; an English-only recogniser heard English).
    tokens = [tokens_for(k, transcript.language or "en") for k in keys]
    pieces = sync.split_at_unmatched(runs, words, keys, asr_keys)
    cue_of = [w.cue_index for w in words]
    plans = [plan_chunks(piece, asr, energy, edges, cue_of)
             for piece, edges in zip(pieces, sync.cue_edges(pieces, anchors, words, cues, sub_times))]
    chunks = [c for plan in plans for c in plan]
    run_of = [piece for piece, plan in zip(pieces, plans) for _ in plan]
    aligner = shared_aligner()
    # One espeak-ng call for the words the dictionary lacks, before the aligning processes fork.
    aligner.ensure_words([tok for ts in tokens for tok in ts])
    spans = [(c.start, c.end, _chunk_tokens(tokens, c)) for c in chunks]
    results = align_many(audio, spans, options.threads) if options.word_timing else [None] * len(spans)
    unaligned, guessed = [], set()
    for k, (chunk, times) in enumerate(zip(chunks, results)):
        if cancelled():
            raise Cancelled()
        if times is not None:
            _store(timed, tokens, chunk, times)
        else:
            guessed |= _fallback(timed, run_of[k], chunk, asr, sub_times)
            unaligned.append(chunk)
        report(0.1 + 0.8 * (k + 1) / len(chunks), f"Aligning chunk {k + 1}/{len(chunks)}")
    gap = Gap(audio, words, cues, keys, tokens, energy, asr, asr_keys)
    for k in range(len(plans) + 1 if options.word_timing else 0):
        gap.place(timed, (pieces[k - 1], plans[k - 1][-1]) if k > 0 else None,
                  (pieces[k], plans[k][0]) if k < len(plans) else None)
    first_phones = {i: aligner.first_phone(t[0]) for i, t in enumerate(tokens) if t}
    snap_to_onsets(timed, energy, {a.sub: asr[a.asr].start - sync.WHISPER_LAG for r in runs for a in r.anchors
                                   if asr[a.asr].heard}, first_phones)
    report(1.0, "Word timings done")
    warnings = [fallback_warning(unaligned, words)] if unaligned and options.word_timing else []
    matched = {a.sub for r in runs for a in r.anchors}
    heard = [w.start is not None and i not in guessed for i, w in enumerate(timed)]
    for i in gap.heard_as_other(timed, matched) if options.word_timing else ():
        heard[i] = False
    return Alignment(timed, ratio, runs, len(anchors), heard, warnings)


def fallback_warning(chunks, words):
    """The result's note on the chunks forced alignment could not place."""
    cues = sorted({words[i].cue_index + 1 for c in chunks for i in range(c.first, c.last + 1)})
    shown = ", ".join(map(str, cues[:10])) + (", ..." if len(cues) > 10 else "")
    return (f"forced alignment failed on {len(chunks)} stretch(es) of audio; the words of cue(s) {shown} "
            "have the recogniser's times (or their segment's offset), not exact ones")


def plan_chunks(run, asr, energy, edges=None, cue_of=None):
    """Cut a run into chunks at silent pauses between consecutive anchored words.

    ``edges`` = (first word, its media time, last word, its end's media time)
    when the run should reach past its first and last anchors (see sync.cue_edges).
    Where recognition was skipped, the anchors are stand-ins whose times the
    map estimated from their cue: a chunk is cut there only between cues
    (``cue_of``), in a pause that voice activity detection heard near where
    the map puts the boundary.
    """
    anchors = run.anchors
    first, last = anchors[0], anchors[-1]
    first_word, lead, last_word, tail = edges or (first.sub, None, last.sub, None)
    heard_at = asr[first.asr].start
    # Words before the first anchor (misheard, or not heard) are said from
    # about where their cue is mapped to start: a pause found after that (a
    # comma's, often quieter than the one before the cue) lies among them.
    hi = heard_at + 0.05 if lead is None else min(heard_at + 0.05, lead + LEAD_REACH)
    lo = heard_at - 1.0 if lead is None else min(heard_at - 1.0, lead - GAP_SLACK)
    start = energy.pause(lo, hi) or max(0.0, min(heard_at, lead or heard_at) - 0.3)
    chunks, chunk_first = [], first_word
    for a, b in zip(anchors, anchors[1:]):
        length = asr[a.asr].end - start
        if length < CHUNK_MIN or b.sub != a.sub + 1 or b.asr != a.asr + 1:
            continue
        if asr[a.asr].heard and asr[b.asr].heard:
            cut = energy.pause(asr[a.asr].end - 0.25, asr[b.asr].start + 0.05)
        elif cue_of is not None and cue_of[a.sub] != cue_of[b.sub]:
            # Only a pause voice activity detection heard: a quiet stop inside a word is not one.
            gap = energy.speech_gap(asr[a.asr].end - STAND_IN_SLACK, asr[b.asr].start + STAND_IN_SLACK)
            if gap is None or gap[0] < asr[a.asr].end - STAND_IN_SLACK - sync.WHISPER_LAG:
                continue
            cut = energy.pause(*gap) or (gap[0] + gap[1]) / 2
        else:
            continue
        if cut is None and length < CHUNK_MAX:
            continue
        cut = cut or (asr[a.asr].end + asr[b.asr].start) / 2
        chunks.append(Chunk(chunk_first, a.sub, start, cut))
        chunk_first, start = b.sub, cut
    heard_to = asr[last.asr].end
    end = (energy.pause(heard_to - 0.2, heard_to + 1.0) if tail is None else
           energy.pause(max(heard_to - 0.2, tail - 0.3), max(heard_to + 1.0, tail + GAP_SLACK)))
    chunks.append(Chunk(chunk_first, last_word, start, end or max(heard_to, tail or heard_to) + 0.3))
    return chunks


def _chunk_tokens(tokens, chunk):
    return [t for i in range(chunk.first, chunk.last + 1) for t in tokens[i]]


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
    """When forced alignment fails: Whisper times for matched words, the run's map otherwise.

    Returns the words the map placed: nothing says they were said (a cue the
    media lacks often makes the aligner fail), so they are not reported found.
    """
    matched = {a.sub: a for a in run.anchors}
    guessed = set()
    for i in range(chunk.first, chunk.last + 1):
        if i in matched:
            w = asr[matched[i].asr]
            timed[i] = TimedWord(round(w.start - sync.WHISPER_LAG, 3), round(w.end - sync.WHISPER_LAG, 3),
                                 round(w.confidence * 0.5, 3))
        elif timed[i].start is None:
            t = run.media_time(sub_times[i])
            timed[i] = TimedWord(round(t, 3), round(t + 0.2, 3), 0.1)
            guessed.add(i)
    return guessed


class Gap:
    """Places the words between two runs (around a cut) at one side or the other.

    A cut falls between sentences, so a cue is not split across it: the words
    are tried a whole cue at a time, at the side before the cut (the most cues
    first), then at the side after. Each try looks where the side's own
    offset puts those cues, so an inserted break or the words of the next
    segment are not in the audio tried.
    """

    def __init__(self, audio, words, cues, keys, tokens, energy, asr, asr_keys):
        self.audio, self.keys, self.tokens, self.energy = audio, keys, list(tokens), energy
        self.asr, self.asr_keys = asr, asr_keys
        self.cue_of = [w.cue_index for w in words]
        self.cues = cues
        self.near = None

    def heard(self, start, end):
        """The recognised words said during that stretch of media."""
        return [k for w, k in zip(self.asr, self.asr_keys)
                if w.heard and w.start - sync.WHISPER_LAG < end and w.end - sync.WHISPER_LAG > start]

    def heard_as_other(self, timed, matched):
        """Words of cues none of whose words were ``matched`` that lie where the recogniser heard other words.

        Such a cue (one the media lacks, next to a line the subtitles lack) was
        aligned inside a chunk onto the other line's speech: it is not there.
        """
        by_cue = {}
        for i, key in enumerate(self.keys):
            if key:
                by_cue.setdefault(self.cue_of[i], []).append(i)
        out = []
        for members in by_cue.values():
            if any(i in matched or timed[i].start is None for i in members):
                continue
            # A little inside its ends: a neighbour's word heard across the boundary is not this cue's.
            start, end = timed[members[0]].start + 0.1, timed[members[-1]].end - 0.1
            if end > start and sync.contradicts([self.keys[i] for i in members], self.heard(start, end)):
                out += members
        return out

    def place(self, timed, before, after):
        """``before``/``after``: (run, its chunk next to the gap), or None at either end."""
        lo = before[1].last + 1 if before else 0
        hi = after[1].first - 1 if after else len(self.keys) - 1
        self.heard_at = {a.sub: a.media_time for side in (before, after) if side for a in side[0].anchors}
        gap = [i for i in range(lo, hi + 1) if self.keys[i] and timed[i].start is None]
        if not gap:
            return
        limit_end = after[1].start if after else len(self.audio) / SAMPLE_RATE
        limit_start = before[1].end if before else 0.0
        # Cue after cue, each next try leaning on the words just placed.
        while before and gap:
            m, chunk = self._extend_before(timed, *before, gap, limit_end)
            if not m:
                break
            before, gap = (before[0], chunk), gap[m:]
        while after and gap:
            m, chunk = self._extend_after(timed, *after, gap, limit_start)
            if not m:
                break
            after, gap = (after[0], chunk), gap[:-m]
        # A cue neither side takes (one the media lacks) hides the cues beyond
        # it from a side: those are tried without it, but only where the
        # side's offset puts them (else they took the left-out cue's audio).
        self.near = SKIP_NEAR
        for leading, side in ((True, before), (False, after)):
            for _ in range(GAP_SKIP if side else 0):
                edge = self.cue_of[gap[0] if leading else gap[-1]] if gap else None
                left_out = [i for i in gap if self.cue_of[i] == edge]
                if not left_out or len(left_out) == len(gap):
                    break
                for i in left_out:
                    self.tokens[i] = []
                gap = [i for i in gap if self.cue_of[i] != edge]
                while gap:
                    if leading:
                        m, chunk = self._extend_before(timed, *side, gap, limit_end)
                    else:
                        m, chunk = self._extend_after(timed, *side, gap, limit_start)
                    if not m:
                        break
                    side, gap = (side[0], chunk), gap[m:] if leading else gap[:-m]
        self.near = None

    def _extend_before(self, timed, run, chunk, gap, limit_end):
        """Place the first cues of ``gap`` after ``chunk``: (words placed, their chunk)."""
        for m in self._whole_cues(gap, leading=True):
            cue_end = run.media_time(self.cues[self.cue_of[gap[m - 1]]].end)
            end = min(limit_end, max(chunk.end + 0.3, cue_end + GAP_SLACK))
            end = self.energy.pause(end - 0.4, end) or end
            if self._try(timed, Chunk(chunk.first, gap[m - 1], chunk.start, end), gap[:m], run):
                return m, Chunk(gap[0], gap[m - 1], max(chunk.start, timed[gap[0]].start - 0.1), end)
            start = run.media_time(self.cues[self.cue_of[gap[0]]].start) - GAP_SLACK
            alone = (self._alone(timed, run, gap[:m], start, min(limit_end, cue_end + GAP_SLACK))
                     if start > chunk.end + ALONE_GAP else None)
            if alone:
                return m, alone
        return 0, None

    def _extend_after(self, timed, run, chunk, gap, limit_start):
        """Place the last cues of ``gap`` before ``chunk``: (words placed, their chunk)."""
        for m in self._whole_cues(gap, leading=False):
            cue_start = run.media_time(self.cues[self.cue_of[gap[-m]]].start)
            start = max(limit_start, min(chunk.start - 0.3, cue_start - GAP_SLACK))
            start = self.energy.pause(start, start + 0.4) or start
            if self._try(timed, Chunk(gap[-m], chunk.last, start, chunk.end), gap[-m:], run):
                return m, Chunk(gap[-m], gap[-1], start, min(chunk.end, timed[gap[-1]].end + 0.1))
            end = run.media_time(self.cues[self.cue_of[gap[-1]]].end) + GAP_SLACK
            alone = (self._alone(timed, run, gap[-m:], max(limit_start, cue_start - GAP_SLACK), end)
                     if end < chunk.start - ALONE_GAP else None)
            if alone:
                return m, alone
        return 0, None

    def _alone(self, timed, run, new_words, start, end):
        """Align ``new_words`` by themselves in [start, end]: their chunk, or None.

        Where the side's offset puts a cue clear of the side's chunk, speech
        between the two (a line the subtitles lack) is not the cue's, and
        aligned together the cue's words would be spread over it. Alone, they
        must lie where the offset puts them.
        """
        start = self.energy.pause(start, start + 0.4) or start
        end = self.energy.pause(end - 0.4, end) or end
        if end - start < 0.5:
            return None
        chunk, near = Chunk(new_words[0], new_words[-1], start, end), self.near
        self.near = SKIP_NEAR
        try:
            return chunk if self._try(timed, chunk, new_words, run) else None
        finally:
            self.near = near

    def _moved_to_place(self, timed, trial, moved, run):
        """Whether the ``moved`` words now lie where they were said, and lay clearly off it before.

        Where they were said: where Whisper heard a word it matched, or where
        the segment's offset puts the start of a word's cue. A chunk may begin
        inside the unplaced cue next to it, or after the start of its own
        first cue, when no pause parts the two: its first words then lie on
        the other cue's audio. Aligned together with that cue, they move to their own.
        """
        marks = {}
        for i in moved:
            if i in self.heard_at:
                marks[i] = self.heard_at[i]
            elif i == 0 or self.cue_of[i - 1] != self.cue_of[i]:
                marks[i] = run.media_time(self.cues[self.cue_of[i]].start)
        if not marks:
            return False
        before = np.median([abs(timed[i].start - t) for i, t in marks.items()])
        after = np.median([abs(trial[i].start - t) for i, t in marks.items()])
        return after <= HEARD_NEAR < before - 0.1

    def _whole_cues(self, gap, leading):
        """Counts of words from the front (or back) of ``gap`` that make whole cues, most first."""
        counts = []
        for m in range(1, len(gap) + 1):
            edge = gap[m - 1] if leading else gap[-m]
            beyond = edge + 1 if leading else edge - 1
            if not 0 <= beyond < len(self.cue_of) or self.cue_of[beyond] != self.cue_of[edge]:
                counts.append(m)
        return counts[:GAP_CUES][::-1]

    def _try(self, timed, chunk, new_words, run):
        """Align ``chunk``; keep its times only if the ``new_words`` landed on real speech.

        The aligner will squeeze unspoken words into a pause, or onto music,
        rather than fail, so a word must last a plausible time, cover mostly
        voiced frames, and lie where voice activity detection heard speech
        that the recogniser did not hear as other words.
        """
        times = shared_aligner().align(int16_samples(self.audio, chunk.start, chunk.end),
                                       _chunk_tokens(self.tokens, chunk), chunk.start)
        if times is None:
            return False
        trial = list(timed)
        _store(trial, self.tokens, chunk, times)
        # Words already placed must stay put (give or take a few frames of
        # re-alignment): if they moved further, the new words stole their
        # audio, unless they moved to where they were said.
        moved = [i for i in range(chunk.first, chunk.last + 1) if i not in new_words
                 and timed[i].start is not None and abs(trial[i].start - timed[i].start) > 0.1]
        if moved and not self._moved_to_place(timed, trial, moved, run):
            return False
        placed = [trial[i] for i in new_words]
        if any(w.start is None for w in placed) or not _plausible_lengths([w.end - w.start for w in placed]):
            return False
        if self.near is not None and abs(
                placed[0].start - run.media_time(self.cues[self.cue_of[new_words[0]]].start)) > self.near:
            return False
        # Word by word loosely (a word may run on over a comma's pause), all together firmly.
        voiced = [self.energy.voiced(w.start, w.end) for w in placed]
        lengths = [w.end - w.start for w in placed]
        if (min(voiced) < 0.4 or sum(v * n for v, n in zip(voiced, lengths)) < 0.6 * sum(lengths)
                or any(self.energy.speech_share(w.start, w.end) < 0.5 for w in placed)):
            return False
        if sync.contradicts([self.keys[i] for i in new_words], self.heard(placed[0].start, placed[-1].end)):
            return False
        timed[:] = trial
        return True


def _plausible_lengths(lengths):
    """Whether words lasting ``lengths`` seconds were said, not squeezed into a pause.

    Squeezed, every word gets the aligner's least time; said, a word as short
    as "a" may take 50 ms, but few words in a line do.
    """
    short = sum(n < WORD_SHORT for n in lengths)
    return all(WORD_LEAST <= n <= WORD_LONGEST for n in lengths) and short <= max(1, len(lengths) // 5)
