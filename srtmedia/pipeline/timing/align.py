"""The ``aligning`` stage: a media time for every subtitle word.

1. Anchors: subtitle words matched to recognised words (``sync``), split into
   runs of constant offset; each run is a stretch of media with no cut.
2. Chunks: each run is cut at pauses between anchored words into pieces of
   at most ~25 s, so every word of a chunk is spoken inside its audio.
3. Forced alignment (``forced``) places each chunk's words to 10 ms.
4. Words between runs (around a cut) are tried, whole cues at a time, at the
   end of the run before and the start of the run after (``gap``); words that
   fit neither, or only where the recogniser heard other words, are not spoken.
5. Words pulled onto speech the subtitles lack are aligned again (``realign``),
   and every word's start is moved onto its voice (``onsets``).
"""
from dataclasses import dataclass, field

import numpy as np

from srtmedia.pipeline.timing import sync
from srtmedia.pipeline.errors import Cancelled
from srtmedia.pipeline.timing.chunks import Chunk, chunk_tokens, store_times
from srtmedia.pipeline.timing.forced import align_many, int16_samples, shared_aligner, tokens_for
from srtmedia.pipeline.timing.gap import GAP_SLACK, Gap
from srtmedia.pipeline.timing.mapping import Words as MapWords
from srtmedia.pipeline.timing.mapping import find_map
from srtmedia.pipeline.model import TimedWord
from srtmedia.pipeline.timing.energy import Energy
from srtmedia.pipeline.timing.onsets import snap_to_onsets
from srtmedia.pipeline.timing.realign import (after_other_speech, first_heard, other_speech_ends, pause_before,
                                              realign_past, runs_on)
from srtmedia.pipeline.text.words import normalize

CHUNK_MIN = 6.0       # seconds: don't cut a chunk shorter than this
CHUNK_MAX = 25.0      # seconds: forced alignment degrades on longer audio
STAND_IN_SLACK = 0.4  # seconds around a stand-in cue boundary searched for the pause to cut at
COMMA_PAUSE = 0.12    # seconds of silence that make a pause between cues, longer than a stop's closure
STAND_IN_NEAR = 0.1   # seconds off a stand-in cue boundary such a silence may start or end
# Stand-in chunks are cut shorter: no recogniser's time tells the onset snap where a
# word glued onto the last across a pause starts (onsets.snap_to_onsets), a cut there does.
STAND_IN_MIN = 2.0
LEFT_OUT_NEAR = 0.2   # seconds off the recogniser's times a chunk aligned without a cue may put its heard words




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
    matched_asr = {a.asr for r in runs for a in r.anchors}
    edges = sync.cue_edges(pieces, anchors, words, cues, sub_times)
    after = other_speech_ends(pieces, edges, asr, matched_asr, cue_of, keys, asr_keys, energy)
    plans = [plan_chunks(piece, asr, energy, e, cue_of, after.get(e[0])) for piece, e in zip(pieces, edges)]
    chunks = [c for plan in plans for c in plan]
    run_of = [piece for piece, plan in zip(pieces, plans) for _ in plan]
    aligner = shared_aligner()
    # One espeak-ng call for the words the dictionary lacks, before the aligning processes fork.
    aligner.ensure_words([tok for ts in tokens for tok in ts])
    spans = [(c.start, c.end, chunk_tokens(tokens, c)) for c in chunks]
    results = align_many(audio, spans, options.threads) if options.word_timing else [None] * len(spans)
    unaligned, guessed = [], set()
    for k, (chunk, times) in enumerate(zip(chunks, results)):
        if cancelled():
            raise Cancelled()
        left_out = None
        if times is None:
            times, left_out = _without_a_cue(audio, chunk, tokens, run_of[k], asr, cues, cue_of)
        if times is not None:
            store_times(timed, _tokens_without(tokens, left_out), chunk, times)
        if left_out or times is None:
            guessed |= _fallback(timed, run_of[k], left_out or chunk, asr, sub_times)
            unaligned.append(left_out or chunk)
        report(0.1 + 0.8 * (k + 1) / len(chunks), f"Aligning chunk {k + 1}/{len(chunks)}")
    # Only with no pause between: a chunk begun in one holds all of its first word.
    run_on, parted = runs_on(after, timed, energy), {}
    for piece, plan, e in zip(pieces, plans, edges):
        if e[0] in run_on and after_other_speech(timed, plan[0], tokens, asr,
                                                 first_heard(piece.anchors[0], e[0], keys, asr_keys, matched_asr, asr),
                                                 audio, transcript.language or "en"):
            parted[e[0]] = timed[e[0]].start
    gap = Gap(audio, words, cues, keys, tokens, energy, asr, asr_keys)
    for k in range(len(plans) + 1 if options.word_timing else 0):
        gap.place(timed, (pieces[k - 1], plans[k - 1][-1]) if k > 0 else None,
                  (pieces[k], plans[k][0]) if k < len(plans) else None)
    matched = {a.sub for r in runs for a in r.anchors}
    unspoken = gap.heard_as_other(timed, matched) if options.word_timing else []
    realign_past(timed, set(unspoken), chunks, run_of, tokens, asr, energy, audio, cues, cue_of, matched_asr,
                 after)
    first_phones = {i: aligner.first_phone(t[0]) for i, t in enumerate(tokens) if t}
    snap_to_onsets(timed, energy, {a.sub: asr[a.asr].start - sync.WHISPER_LAG for r in runs for a in r.anchors
                                   if asr[a.asr].heard}, first_phones, guessed=guessed,
                   run_on=runs_on(after, timed, energy),
                   parted={k for k, start in parted.items() if timed[k].start == start})
    report(1.0, "Word timings done")
    warnings = [fallback_warning(unaligned, words)] if unaligned and options.word_timing else []
    heard = [w.start is not None and i not in guessed and i not in unspoken for i, w in enumerate(timed)]
    segments = sync.with_placed_segments(runs, timed, heard, words, sub_times)
    return Alignment(timed, ratio, segments, len(anchors), heard, warnings)


def fallback_warning(chunks, words):
    """The result's note on the chunks forced alignment could not place."""
    cues = sorted({words[i].cue_index + 1 for c in chunks for i in range(c.first, c.last + 1)})
    shown = ", ".join(map(str, cues[:10])) + (", ..." if len(cues) > 10 else "")
    return (f"forced alignment failed on {len(chunks)} stretch(es) of audio; the words of cue(s) {shown} "
            "have the recogniser's times (or their segment's offset), not exact ones")


def plan_chunks(run, asr, energy, edges=None, cue_of=None, after=None):
    """Cut a run into chunks at silent pauses between consecutive anchored words.

    ``edges`` = (first word, its media time, last word, its end's media time)
    when the run should reach past its first and last anchors (see sync.cue_edges);
    ``after``: where other speech heard just before the first word ends (``heard_before``).
    Where recognition was skipped, the anchors are stand-ins whose times the
    map estimated from their cue: a chunk is cut there only between cues
    (``cue_of``), in a pause near where the map puts the boundary (``_stand_in_cut``).
    """
    anchors = run.anchors
    first, last = anchors[0], anchors[-1]
    first_word, lead, last_word, tail = edges or (first.sub, None, last.sub, None)
    heard_at = asr[first.asr].start
    # Words before the first anchor (misheard, or not heard) are said from
    # about where their cue is mapped to start: a pause found after that (a
    # comma's, often quieter than the one before the cue) lies among them.
    start = pause_before(energy, heard_at, lead, after) or max(0.0, min(heard_at, lead or heard_at) - 0.3)
    chunks, chunk_first = [], first_word
    for a, b in zip(anchors, anchors[1:]):
        length = asr[a.asr].end - start
        heard = asr[a.asr].heard and asr[b.asr].heard
        if length < (CHUNK_MIN if heard else STAND_IN_MIN) or b.sub != a.sub + 1 or b.asr != a.asr + 1:
            continue
        if heard:
            # Not before a's own start: 0.25 s before the end of a short word
            # ("as") is the pause before it, and cut there it is squeezed into the chunk's end.
            cut = energy.pause(max(asr[a.asr].end - 0.25, asr[a.asr].start), asr[b.asr].start + 0.05)
        elif cue_of is not None and cue_of[a.sub] != cue_of[b.sub]:
            cut = _stand_in_cut(energy, asr[a.asr], asr[b.asr])
            if cut is None:
                continue
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


def _stand_in_cut(energy, a, b):
    """Where to cut between the cues of ``a`` and ``b`` when one is a stand-in (its time the map's
    estimate): in a pause voice activity detection heard near the mapped boundary, or in a
    silence of a comma's length at it; else None.

    Between two cues of one sentence the detector seldom hears a gap, and left
    uncut there, forced alignment stretched the next cue's first word back over
    the comma's pause. Only a silence at the boundary will do: a line often
    breaks a word after a pause ("acids | and aromatic"), and cut at that pause
    the cue's last word is squeezed into the next chunk.
    """
    lo, hi = a.end - STAND_IN_SLACK, b.start + STAND_IN_SLACK
    gap = energy.speech_gap(lo, hi)
    if gap is not None and gap[0] >= lo - sync.WHISPER_LAG:
        return energy.pause(*gap) or (gap[0] + gap[1]) / 2
    near = COMMA_PAUSE / 2 + STAND_IN_NEAR
    return energy.pause(a.end - sync.WHISPER_LAG - near, b.start - sync.WHISPER_LAG + near, width=COMMA_PAUSE)


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


def _without_a_cue(audio, chunk, tokens, run, asr, cues, cue_of):
    """A chunk forced alignment failed on, aligned without one of its cues: (times, that cue's words
    as a Chunk), or (None, None).

    A cue the media lacks makes the aligner fail on the whole chunk, and the
    map then guesses every cue of it. Only a cue under half of whose words
    the recogniser heard may be the one left out (fewest heard first; of
    those, the one over whose mapped time it heard least speech: a misheard
    cue was still heard as something), and only if the heard words then lie
    where the recogniser heard them.
    """
    heard = {a.sub: asr[a.asr].start - sync.WHISPER_LAG for a in run.anchors
             if asr[a.asr].heard and chunk.first <= a.sub <= chunk.last}
    members = {}
    for i in range(chunk.first, chunk.last + 1):
        if tokens[i]:
            members.setdefault(cue_of[i], []).append(i)
    if len(members) < 2:
        return None, None
    candidates = sorted((sum(i in heard for i in ws) / len(ws), _speech_heard(asr, run, cues[c]), c)
                        for c, ws in members.items())
    for share, _, c in candidates:
        if share >= 0.5:
            break
        out = Chunk(members[c][0], members[c][-1], chunk.start, chunk.end)
        kept = _tokens_without(tokens, out)
        times = shared_aligner().align(int16_samples(audio, chunk.start, chunk.end), chunk_tokens(kept, chunk),
                                       chunk.start)
        if times is None:
            continue
        trial = [TimedWord(None, None, 0.0) for _ in tokens]
        store_times(trial, kept, chunk, times)
        off = [abs(trial[i].start - t) for i, t in heard.items() if trial[i].start is not None]
        if off and float(np.median(off)) <= LEFT_OUT_NEAR:
            return times, out
    return None, None


def _speech_heard(asr, run, cue):
    """Seconds of recognised speech over where ``run`` maps ``cue``."""
    a, b = run.media_time(cue.start), run.media_time(cue.end)
    return sum(max(0.0, min(b, w.end - sync.WHISPER_LAG) - max(a, w.start - sync.WHISPER_LAG))
               for w in asr if w.heard)


def _tokens_without(tokens, left_out):
    """``tokens`` with the words of the Chunk ``left_out`` (or none) emptied: they are not in the alignment."""
    if left_out is None:
        return tokens
    return [[] if left_out.first <= i <= left_out.last else t for i, t in enumerate(tokens)]

