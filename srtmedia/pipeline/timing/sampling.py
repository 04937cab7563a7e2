"""Which speech to recognise: a sample that finds the timing map, and wherever it is unsure.

Recognition is the slow part of the pipeline, and the subtitles already say
what is said: recognised words are only needed to find where the text is
and where the media departs from it. The speech is packed into clips of up
to ~28 s (``speech.pack_clips``) and the first round recognises every
``stride``-th clip, spread over the file, but no more than ``first_round``
clips: a map needs a sample spread over the file, not a share of it, and
the later rounds look for the cuts anyway. Its words, matched to the
subtitles as a whole (``mapping.find_map``), give the map: a ratio and the
segments of constant offset.

Each later round recognises the clips where the map is unsure, as in a
bisection: between two recognised clips in different segments (a cut lies
between: the middle clip is recognised next), beside a recognised clip
whose words the subtitles mostly lack (a break, which may reach further),
and any clip where the map lays the cues badly over the speech (speech no
mapped cue covers: a line without a subtitle; a cue over silence: a line
the media lacks). Where recognition was skipped, the subtitle words stand
in for the words heard, at the times the map gives them
(``RecognizedWord.source``); forced alignment places them as it places the
others.

The map from speech activity alone (``activity.fit_map``) is not used to
choose: on the 2-hour bench file it took 21 s and found the wrong ratio
with 17 false cuts, where a quarter of the words found the right map.
"""
import bisect
from dataclasses import dataclass

import numpy as np

from srtmedia.pipeline.audio.speech import RecognizedWord, pack_clips
from srtmedia.pipeline.timing import activity, sync
from srtmedia.pipeline.text.words import normalize
from srtmedia.pipeline.timing.mapping import Words, find_map

STRIDE = 4             # every STRIDE-th clip is recognised to confirm the map
FIRST_ROUND = 40       # clips in the first round at most: the map needs a spread sample, not a share
MIN_SECONDS = 150.0    # seconds of speech recognised at least (all of a short file)
MAX_ROUNDS = 10        # rounds of bisection before the rest of a disputed stretch is recognised at once
UNCOVERED = 1.0        # seconds of speech in a clip that no mapped cue covers: unsure there
CUE_COVER = 0.3        # share of a mapped cue on speech under which it may not be spoken
CUE_MARGIN = 0.3       # seconds a cue's mapped span is widened by when matching it to speech or clips
MIN_MATCHED = 0.4      # share of a clip's recognised words the subtitles must explain
INFORMATIVE = 4        # recognised words a clip needs to say which segment it is in


@dataclass
class Heard:
    """What the recognition rounds found: words (heard and stand-ins) and the clips recognised."""

    words: list
    recognised: list       # [(start, end)] clips recognised
    clips: int             # clips the speech was packed into
    rounds: int
    ratio: float | None = None   # the file's ratio, once a round's words found a map


class Plan:
    """Chooses the clips to recognise for one subtitle file; see the module docstring."""

    def __init__(self, words, cues, duration, stride=STRIDE, min_seconds=MIN_SECONDS, first_round=FIRST_ROUND):
        self.keys = ["" if w.sound else normalize(w.text) for w in words]
        self.sub_times = sync.estimate_word_times(words, cues)
        self.cue_of = [w.cue_index for w in words]
        self.cues, self.duration, self.stride, self.min_seconds = cues, duration, stride, min_seconds
        self.first_round = first_round
        self.spoken_cues = sorted({c for c, k in zip(self.cue_of, self.keys) if k})

    def listen(self, speech, recognise):
        """Recognise what the timing needs; return Heard.

        ``recognise(regions, share_done, share_next)`` returns the words heard
        in ``regions``; the shares (of all the speech) are for its progress reports.
        """
        clips = [(c["start"], c["end"]) for c in pack_clips(speech)]
        total = sum(e - s for s, e in speech)
        if self.stride <= 1 or total <= self.min_seconds or len(clips) <= 2:
            return Heard(recognise(speech, 0.0, 1.0), clips, len(clips), 1)
        starts = [s for s, _ in clips]
        regions = {}     # the speech regions of each clip (a long one may span two)
        for start, end in speech:
            for i in range(_clip_at(starts, start), _clip_at(starts, end - 1e-6) + 1):
                regions.setdefault(i, []).append((max(start, clips[i][0]), min(end, clips[i][1])))
        seconds = {i: sum(e - s for s, e in regions.get(i, ())) for i in range(len(clips))}
        stride = max(self.stride, -(-len(clips) // self.first_round) if self.first_round > 0 else 0)
        chosen = {0, len(clips) - 1} | set(range(stride // 2, len(clips), stride))
        signal = activity.SpeechSignal(speech, self.duration)
        done, words, rounds, ratio = set(), [], 0, None
        while chosen:
            rounds += 1
            fresh = sorted(chosen - done)
            heard = recognise([r for i in fresh for r in regions.get(i, ())],
                              sum(seconds[i] for i in done) / total, sum(seconds[i] for i in fresh) / total)
            words = sorted(words + heard, key=lambda w: w.start)
            done |= set(fresh)
            state, runs, anchors, ratio = self.states(clips, done, words, ratio)
            # No segment at all: the words said are not the subtitles' (a translation),
            # and recognising more would not change that.
            if not runs:
                break
            final = rounds >= MAX_ROUNDS
            chosen = self.disputed(clips, done, state, final) | self.unsure(clips, done, state, runs, regions, signal)
        stand_ins = self.stand_ins(clips, done, state, runs, anchors)
        return Heard(sorted(words + stand_ins, key=lambda w: w.start), [clips[i] for i in sorted(done)],
                     len(clips), rounds, ratio)

    def unsure(self, clips, done, state, runs, regions, signal):
        """Clips not recognised where the map lays the cues badly over the speech.

        Speech that no mapped cue covers is a line without a subtitle (or an
        advert the map does not know of); a cue over silence is a line the
        media lacks. Either way the clip's words would not be the subtitles'.
        """
        todo = set()
        for k, members in self._clips_by_run(clips, done, state).items():
            run = runs[k]
            mapped = np.array([(run.media_time(self.cues[c].start), run.media_time(max(self.cues[c].start,
                                                                                       self.cues[c].end)))
                               for c in self.spoken_cues]).reshape(-1, 2)
            for c in members:
                start, end = clips[c]
                inside = mapped[(mapped[:, 0] < end) & (mapped[:, 1] > start)]
                if (_uncovered(clips[c], regions.get(c, ()), mapped) > UNCOVERED
                        or any(activity.cover_share(signal, a, b) < CUE_COVER for a, b in inside)):
                    todo.add(c)
        return todo

    def _clips_by_run(self, clips, done, state):
        """{run: clips not recognised} where each clip takes the run of its nearest recognised clip."""
        known = [i for i in sorted(done) if state[i] >= 0]
        out = {}
        for c in range(len(clips)):
            if c not in done and known:
                out.setdefault(_nearest_run(known, state, c), []).append(c)
        return out

    def states(self, clips, done, words, ratio=None):
        """Per recognised clip: the index of its run in the map the words give, MISMATCH or QUIET;
        the runs, anchors and ratio of that map (``ratio``: the one an earlier round found)."""
        asr_keys = [normalize(w.text) for w in words]
        ratio, runs, anchors = find_map(Words(self.keys, self.sub_times, self.cue_of, self.cues, asr_keys,
                                              [w.start - sync.WHISPER_LAG for w in words]),
                                        ratio)
        run_of = {a.asr: k for k, r in enumerate(runs) for a in r.anchors}
        starts = [s for s, _ in clips]
        heard, matched = {}, {}
        for j, w in enumerate(words):
            i = _clip_at(starts, w.start)
            heard[i] = heard.get(i, 0) + 1
            if j in run_of:
                matched.setdefault(i, []).append(run_of[j])
        state = {}
        for i in done:
            votes = matched.get(i, [])
            if heard.get(i, 0) < INFORMATIVE:
                state[i] = QUIET
            elif len(votes) < MIN_MATCHED * heard[i]:
                state[i] = MISMATCH
            else:
                state[i] = max(set(votes), key=votes.count)
        return state, runs, anchors, (ratio if runs else None)

    def disputed(self, clips, done, state, final=False):
        """Clips to recognise next: between clips in different runs, and beside mismatched ones."""
        todo = set()
        known = [i for i in sorted(done) if state[i] != QUIET]
        for a, b in zip(known, known[1:]):
            between = [i for i in range(a + 1, b) if i not in done]
            if between and (state[a] != state[b] or MISMATCH in (state[a], state[b])):
                # A mismatched clip's neighbours are tried one at a time: a break ends somewhere.
                if state[a] == MISMATCH and state[b] != MISMATCH:
                    pick = [between[0]]
                elif state[b] == MISMATCH and state[a] != MISMATCH:
                    pick = [between[-1]]
                else:
                    pick = [between[len(between) // 2]]
                todo |= set(between) if final else set(pick)
        for i in known[:1] + known[-1:]:   # a break at either end of the file
            if state[i] == MISMATCH:
                todo |= {k for k in (i - 1, i + 1) if 0 <= k < len(clips) and k not in done}
        return todo

    def stand_ins(self, clips, done, state, runs, anchors):
        """Subtitle words, at the times their run gives them, for the cues in clips not recognised.

        A clip not recognised takes the run of the nearest recognised clip
        (the bisection left none in another run between them); a cue belongs
        to the clip its mapped middle falls in.
        """
        if not runs:
            return []
        anchored = {a.sub for a in anchors}
        starts = np.array([s for s, _ in clips])
        ends = np.array([e for _, e in clips])
        cues = self.spoken_cues
        middles = np.array([(self.cues[c].start + self.cues[c].end) / 2 for c in cues])
        members = {}
        for i, cue in enumerate(self.cue_of):
            if self.keys[i] and i not in anchored:
                members.setdefault(cue, []).append(i)
        run_of_clip = {c: k for k, group in self._clips_by_run(clips, done, state).items() for c in group}
        out = []
        for k in set(run_of_clip.values()):
            run = runs[k]
            at = run.ratio * middles + run.offset
            clip = np.maximum(0, np.searchsorted(starts, at, side="right") - 1)
            inside = (at >= starts[clip] - CUE_MARGIN) & (at <= ends[clip] + CUE_MARGIN)
            for n in np.flatnonzero(inside):
                if run_of_clip.get(int(clip[n])) == k:
                    out += self._cue_stand_ins(run, cues[n], members.get(cues[n], []))
        return out

    def _cue_stand_ins(self, run, cue, members):
        end = run.media_time(self.cues[cue].end)
        times = [run.media_time(self.sub_times[i]) for i in members]
        return [RecognizedWord(self.keys[i], round(t + sync.WHISPER_LAG, 3),
                               round(min(end, nxt) + sync.WHISPER_LAG, 3), 0.0, source=i)
                for i, t, nxt in zip(members, times, times[1:] + [end])]


QUIET = -1      # too few words heard to tell
MISMATCH = -2   # words heard that the subtitles do not have


def _clip_at(starts, t):
    """Index of the clip that holds or last started before ``t``."""
    return max(0, bisect.bisect_right(starts, t) - 1)


def _nearest_run(known, state, c):
    """The run of the recognised clip nearest to clip ``c`` (the one before on a tie)."""
    k = min(known, key=lambda i: (abs(i - c), i > c))
    return state[k]


def _uncovered(clip, speech, mapped):
    """Seconds of ``speech`` (the clip's own regions) in ``clip`` that no mapped cue span
    (widened by CUE_MARGIN) covers."""
    start, end = clip
    step = 0.05
    grid = np.arange(start, end, step)
    voiced = np.zeros(len(grid), dtype=bool)
    for s, e in speech:
        voiced |= (grid >= s) & (grid < e)
    near = mapped[(mapped[:, 1] + CUE_MARGIN > start) & (mapped[:, 0] - CUE_MARGIN < end)]
    covered = np.zeros(len(grid), dtype=bool)
    for s, e in near:
        covered |= (grid >= s - CUE_MARGIN) & (grid < e + CUE_MARGIN)
    return float(np.sum(voiced & ~covered)) * step
