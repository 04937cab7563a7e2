"""Placing the words around a cut: whole cues tried at the side before it, then after it."""
import numpy as np

from srtmedia.pipeline.audio.media import SAMPLE_RATE
from srtmedia.pipeline.model import TimedWord
from srtmedia.pipeline.timing import sync
from srtmedia.pipeline.timing.chunks import Chunk, chunk_tokens, store_times
from srtmedia.pipeline.timing.forced import int16_samples, shared_aligner
from srtmedia.pipeline.timing.said import alike_part, chance_match, plausible_lengths, voiced_enough

GAP_CUES = 3          # cues tried at each side of a cut
GAP_SLACK = 0.6       # seconds around where a side's offset puts the tried cues
HEARD_NEAR = 0.3      # seconds from where a word was said (heard, or its cue mapped) that a re-aligned word may lie
GAP_SKIP = 2          # cues that fit neither side a gap leaves out, to try those beyond them
SKIP_NEAR = 1.0       # seconds from its mapped start a cue tried past a left-out one may lie
STRETCH_GAP = 1.0     # seconds: recognised words further apart are separate stretches of speech
ALONE_GAP = 0.5       # seconds of media between a tried cue's mapped times and the side's chunk: tried alone too
FIT_WORST = 2.4       # nats a frame by which a cue's words may fit its audio worse than any phones do (clear English)
FIT_ABOVE = 1.2       # ... or worse than the cues nearby that the recogniser confirmed fit theirs, if that is more
FIT_REFERENCES = 6    # confirmed cues nearest a tried cue whose median fit says how well said words fit here
FIT_MARGIN = 0.1      # seconds of audio either side of a cue's words scored with them
MAPPED_NEAR = 0.3     # seconds off where its segment maps it a cue misheard as other words may start
# Letters a second no reading reaches: the bench's fastest of 5,400 cues says 21 (espeak at 185 wpm).
CRAMMED_RATE = 25.0


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
        self.one_segment = False
        self.misheard = set()  # cues placed where their segment maps them, on speech heard as other words
        self.heard_at = {}
        self.fits = {}   # cue -> fit of a confirmed cue (see _reference_fit)
        self.said = {self.cue_of[m[0]]: m for m in self._by_cue(range(len(keys)))}  # cue -> its said words
        self.repeated = sync.repeated_cues(keys, self.cue_of)

    def heard(self, start, end):
        """The recognised words said during that stretch of media."""
        return [k for w, k in zip(self.asr, self.asr_keys)
                if w.heard and w.start - sync.WHISPER_LAG < end and w.end - sync.WHISPER_LAG > start]

    def heard_as_other(self, timed, matched):
        """Words of cues none of whose words were ``matched`` (or one, by chance) that lie where
        the recogniser heard other words.

        Such a cue (one the media lacks, next to a line the subtitles lack) was
        aligned inside a chunk onto the other line's speech: it is not there.
        A cue placed where its segment maps it, on speech misheard (``_as_mapped``), is.
        Where the recogniser skipped some of that speech, what it heard is
        less than the cue says and tells nothing, unless the aligner crammed
        the cue into less time than anyone says it in (CRAMMED_RATE): then
        other words heard there, any number, are the speech it was put on.
        """
        out = []
        for cue, members in self.said.items():
            if (any(timed[i].start is None for i in members) or not chance_match(members, matched)
                    or cue in self.misheard):
                continue
            # A little inside its ends: a neighbour's word heard across the boundary is not this cue's.
            start, end = timed[members[0]].start + 0.1, timed[members[-1]].end - 0.1
            said, heard = [self.keys[i] for i in members], self.heard(start, end)
            crammed = sync.letters(said) > CRAMMED_RATE * (timed[members[-1]].end - timed[members[0]].start)
            if end > start and (sync.contradicts(said, heard) or (crammed and sync.other_words(said, heard))):
                out += members
        return out

    def place(self, timed, before, after):
        """``before``/``after``: (run, its chunk next to the gap), or None at either end."""
        lo = before[1].last + 1 if before else 0
        hi = after[1].first - 1 if after else len(self.keys) - 1
        self.heard_at = {a.sub: a.media_time for side in (before, after) if side for a in side[0].anchors}
        self.one_segment = bool(before and after
                                and (before[0].offset, before[0].ratio) == (after[0].offset, after[0].ratio))
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
        skipped = {}
        for leading, side in ((True, before), (False, after)):
            for _ in range(GAP_SKIP if side else 0):
                edge = self.cue_of[gap[0] if leading else gap[-1]] if gap else None
                left_out = [i for i in gap if self.cue_of[i] == edge]
                if not left_out or len(left_out) == len(gap):
                    break
                for i in left_out:
                    skipped[i], self.tokens[i] = self.tokens[i], []
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
        # A cue a side left out may still be a line of its own between two edits
        # (seed 940184: a cue between a removed stretch and an unspoken cue).
        for i, tokens in skipped.items():
            self.tokens[i] = tokens
        self._on_heard_speech(timed, before or after, sorted(set(gap) | set(skipped)))
        for i in skipped:
            if timed[i].start is None:
                self.tokens[i] = []

    def _on_heard_speech(self, timed, side, gap):
        """Cues neither side's offset places, tried alone on unclaimed recognised speech alike their words.

        Past a break the subtitles lack, a cue too poorly heard to make a
        segment of its own lies at no side's offset; the recogniser's words
        where it was said still resemble it. Not a refrain's: speech alike it
        may be a copy the subtitles lack (seed 970003).
        """
        if not side:
            return
        by_cue = {}
        for i in gap:
            if self.cue_of[i] not in self.repeated:
                by_cue.setdefault(self.cue_of[i], []).append(i)
        # Each cue placed narrows its neighbours' stretches: a line inside one
        # (seed 970164: between an advert and a refrain) is then at its edge.
        pending = [m for m in by_cue.values() if timed[m[0]].start is None]
        while pending:
            placed = [m for m in pending if self._on_own_stretch(timed, side, m)]
            if not placed:
                break
            pending = [m for m in pending if m not in placed]

    def _on_own_stretch(self, timed, side, members):
        """Try one cue's words on the part alike them of each stretch between its placed neighbours."""
        lo = max((w.end for w in timed[:members[0]] if w.end is not None), default=0.0)
        hi = min((w.start for w in timed[members[-1] + 1:] if w.start is not None),
                 default=len(self.audio) / SAMPLE_RATE)
        keys = [self.keys[i] for i in members]
        for start, end in filter(None, (alike_part(stretch, keys) for stretch in self._stretches(lo, hi))):
            if self._alone_free(timed, side[0], members, max(lo, start - 0.3), min(hi, end + 0.3)):
                return True
        return False

    def _stretches(self, lo, hi):
        """Runs of recognised words in (lo, hi) with no pause over STRETCH_GAP: lists of (start, end, key)."""
        out = []
        for w, k in zip(self.asr, self.asr_keys):
            s, e = w.start - sync.WHISPER_LAG, w.end - sync.WHISPER_LAG
            if not w.heard or s < lo or e > hi:
                continue
            if out and s - out[-1][-1][1] <= STRETCH_GAP:
                out[-1].append((s, e, k))
            else:
                out.append([(s, e, k)])
        return out

    def _alone_free(self, timed, run, new_words, start, end):
        """Align ``new_words`` by themselves in [start, end], wherever in it they were said."""
        start = self.energy.pause(start, start + 0.3) or start
        end = self.energy.pause(end - 0.3, end) or end
        if end - start < 0.5:
            return False
        return self._try(timed, Chunk(new_words[0], new_words[-1], start, end), new_words, run)

    def _extend_before(self, timed, run, chunk, gap, limit_end):
        """Place the first cues of ``gap`` after ``chunk``: (words placed, their chunk)."""
        for m in self._whole_cues(gap, leading=True):
            cue_end = run.media_time(self.cues[self.cue_of[gap[m - 1]]].end)
            end = min(limit_end, max(chunk.end + 0.3, cue_end + GAP_SLACK))
            end = self.energy.pause(end - 0.4, end) or end
            kept = self._try(timed, Chunk(chunk.first, gap[m - 1], chunk.start, end), gap[:m], run, inner_first=True)
            if kept:
                end = end if kept == m else timed[gap[kept - 1]].end + 0.1
                return kept, Chunk(gap[0], gap[kept - 1], max(chunk.start, timed[gap[0]].start - 0.1), end)
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
            kept = self._try(timed, Chunk(gap[-m], chunk.last, start, chunk.end), gap[-m:], run, inner_first=False)
            if kept:
                start = start if kept == m else timed[gap[-kept]].start - 0.1
                return kept, Chunk(gap[-kept], gap[-1], start, min(chunk.end, timed[gap[-1]].end + 0.1))
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

    def _by_cue(self, indices):
        """The words of ``indices`` that are said (not sound tags), grouped by cue, in order."""
        groups = {}
        for i in indices:
            if self.keys[i]:
                groups.setdefault(self.cue_of[i], []).append(i)
        return list(groups.values())

    def _sounds_said(self, timed, members):
        """Whether a cue's words (``members``) explain the audio they were aligned on nearly as well as any phones.

        Aligned onto a line the recogniser misheard or skipped, an unspoken
        cue's words pass every test of voicing and length; only how poorly
        they explain that speech tells them from the words said there. Said
        words fit less well in a poor recording, an unusual voice or another
        language: so do the confirmed cues nearby, which loosen the limit.
        """
        fit = self._fit(timed, members)
        reference = self._reference_fit(timed, self.cue_of[members[0]])
        return fit is not None and fit <= max(FIT_WORST, (reference or 0.0) + FIT_ABOVE)

    def _fit(self, timed, members):
        """``ForcedAligner.fit`` of the words ``members`` where ``timed`` puts them."""
        start, end = timed[members[0]].start - FIT_MARGIN, timed[members[-1]].end + FIT_MARGIN
        return shared_aligner().fit(int16_samples(self.audio, start, end), [t for i in members for t in self.tokens[i]])

    def _reference_fit(self, timed, cue):
        """The median fit of the confirmed cues nearest ``cue``: at least half their words matched
        by the runs either side of the gap. None when there are none."""
        heard_cues = sorted({self.cue_of[i] for i in self.heard_at} & self.said.keys())
        confirmed = [m for m in (self.said[c] for c in heard_cues)
                     if 2 * sum(i in self.heard_at for i in m) >= len(m) and all(timed[i].start is not None for i in m)]
        fits = []
        for members in sorted(confirmed, key=lambda m: abs(self.cue_of[m[0]] - cue))[:FIT_REFERENCES]:
            if self.cue_of[members[0]] not in self.fits:
                self.fits[self.cue_of[members[0]]] = self._fit(timed, members)
            fits.append(self.fits[self.cue_of[members[0]]])
        fits = [f for f in fits if f is not None]
        return float(np.median(fits)) if fits else None

    def _whole_cues(self, gap, leading):
        """Counts of words from the front (or back) of ``gap`` that make whole cues, most first."""
        counts = []
        for m in range(1, len(gap) + 1):
            edge = gap[m - 1] if leading else gap[-m]
            beyond = edge + 1 if leading else edge - 1
            if not 0 <= beyond < len(self.cue_of) or self.cue_of[beyond] != self.cue_of[edge]:
                counts.append(m)
        return counts[:GAP_CUES][::-1]

    def _try(self, timed, chunk, new_words, run, inner_first=None):
        """Align ``chunk``; keep its times only if the ``new_words`` landed on real speech: how many were kept.

        The aligner will squeeze unspoken words into a pause, or onto music,
        rather than fail, so a word must last a plausible time, cover mostly
        voiced frames, and lie where voice activity detection heard speech
        that the recogniser did not hear as other words, and the words must
        sound like that speech. ``inner_first``: whether the cues nearest the
        side's words come first in ``new_words`` (None: all or none are kept).
        The cues nearest the side that sound said are kept without the rest,
        and so are the side's words moved to where they were said, even with
        no new cue: aligned together, an unsaid cue held the other speech
        beyond them, which alone they would be stretched onto.
        """
        times = shared_aligner().align(int16_samples(self.audio, chunk.start, chunk.end),
                                       chunk_tokens(self.tokens, chunk), chunk.start)
        if times is None:
            return 0
        trial = list(timed)
        store_times(trial, self.tokens, chunk, times)
        # Words already placed must stay put (give or take a few frames of
        # re-alignment): if they moved further, the new words stole their
        # audio, unless they moved to where they were said.
        moved = [i for i in range(chunk.first, chunk.last + 1) if i not in new_words
                 and timed[i].start is not None and abs(trial[i].start - timed[i].start) > 0.1]
        if moved and not self._moved_to_place(timed, trial, moved, run):
            return 0
        placed = [trial[i] for i in new_words]
        if any(w.start is None for w in placed) or not plausible_lengths([w.end - w.start for w in placed]):
            return 0
        if self.near is not None and abs(
                placed[0].start - run.media_time(self.cues[self.cue_of[new_words[0]]].start)) > self.near:
            return 0
        voiced = [self.energy.voiced(w.start, w.end) for w in placed]
        if (not voiced_enough(voiced, [w.end - w.start for w in placed])
                or any(self.energy.speech_share(w.start, w.end) < 0.5 for w in placed)):
            return 0
        misheard = sync.contradicts([self.keys[i] for i in new_words], self.heard(placed[0].start, placed[-1].end))
        if misheard and not self._as_mapped(placed[0].start, run, new_words[0]):
            return 0
        kept = self._said_part(trial, new_words, inner_first)
        if not kept and not moved:
            return 0
        for i in set(new_words) - set(kept):
            trial[i] = TimedWord(None, None, 0.0)
        timed[:] = trial
        if misheard:
            self.misheard |= {self.cue_of[i] for i in kept}
        return len(kept)

    def _as_mapped(self, start, run, first):
        """Whether ``first`` (a cue's first word) starts within MAPPED_NEAR of where its segment maps it,
        in a gap inside one segment (no cut).

        There the map, not the recogniser, says where the cue was said: speech
        it heard as quite other words (a mishearing under noise) is the cue's
        if the cue's words fit it (``_said_part``).
        """
        return self.one_segment and abs(start - run.media_time(self.cues[self.cue_of[first]].start)) <= MAPPED_NEAR

    def _said_part(self, timed, new_words, inner_first):
        """The words of the cues of ``new_words`` that sound said, from the inner end up to the first that does not."""
        cues = self._by_cue(new_words)
        if inner_first is False:
            cues = cues[::-1]
        said = []
        for members in cues:
            if not self._sounds_said(timed, members):
                break
            said.append(members)
        if inner_first is None and len(said) < len(cues):
            return []
        return sorted(i for members in said for i in members)
