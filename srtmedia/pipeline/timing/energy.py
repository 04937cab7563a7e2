"""Frame energy of the audio: pauses, onsets, voicing, and where voice activity detection heard speech.

``Energy`` is computed once per file (10 ms frames of 16-bit or float
samples) and answers the questions the chunk planner, the gap and the onset
snap ask of the sound: where the quietest stretch or a silence lies, where
a word's sound rises, whether a stretch is voiced (periodic at a pitch) or
only a bed or a breath under the voice.
"""
import bisect

import numpy as np

from srtmedia.pipeline.timing.notes import PERIODIC, autocorrelation

RISE = 6.0            # dB over the pause's floor where a word's sound begins
VOICING_LAG = 0.03    # seconds periodicity may be found after the voice begins (30 ms frames)
SPAN = 25.0            # dB under the loudest of the word's first 200 ms where its sound begins
VOICE_SPAN = 15.0     # dB under the loudest of the word a voiced frame of it may be
VOICED_RISE = 10.0    # dB over that floor a voiced frame must be (a murmur under it is the bed)
BREATH_SPAN = 10.0    # dB under the voice a sound that silence parts from it may be, to be taken for another's
TROUGH = 10.0         # dB over its floor that a pause's sound stays (a tail dies away, a bed swells)
PAUSE_LEVEL = 6.0     # dB over the quietest sound around (silence, or a bed) that the floor of a pause lies within
AROUND = 3.0          # seconds either side whose quietest sound (5th percentile) is the level of a pause there


class Energy:
    """Frame energy in dB (10 ms frames) and a silence threshold for this file."""

    FRAME = 160

    def __init__(self, audio, speech=()):
        self.audio = audio
        self.speech = list(speech)  # VAD regions: music is loud but not speech
        self.speech_starts = [a for a, _ in self.speech]
        n = len(audio) // self.FRAME
        frames = audio[: n * self.FRAME].reshape(n, self.FRAME)
        # Audio shorter than a frame is one silent frame, not an empty array percentiles fail on.
        # einsum sums each frame's squares without a float64 copy of the audio (4x its size).
        scale = 1.0 / 32768.0 ** 2 if audio.dtype == np.int16 else 1.0   # 16-bit samples: to [-1, 1]
        power = np.einsum("ij,ij->i", frames, frames, dtype=np.float64) * (scale / self.FRAME) if n else None
        self.db = 10 * np.log10(power + 1e-12) if n else np.full(1, -120.0)
        loud, quiet = np.percentile(self.db, 90), np.percentile(self.db, 5)
        self.threshold = min(max(quiet + 6, loud - 30), loud - 10)

    def pause(self, lo, hi, width=0.05):
        """Centre (s) of the quietest ``width`` window in [lo, hi] if it is silence, else None."""
        centre, level = self.quietest(lo, hi, width)
        return centre if centre is not None and level < self.threshold else None

    def quietest(self, lo, hi, width=0.05):
        """(centre s, mean dB) of the quietest ``width`` window in [lo, hi]; (None, None) if it does not fit."""
        a, b = max(0, int(lo * 100)), min(len(self.db), int(hi * 100))
        w = max(1, int(width * 100))
        if b - a < w:
            return None, None
        sums = np.convolve(self.db[a:b], np.ones(w) / w, mode="valid")
        k = int(np.argmin(sums))
        return (a + k + w / 2) / 100, float(sums[k])

    def last_silence(self, lo, hi):
        """Start (s) of the last frame quieter than silence in (lo, hi], or None."""
        a, b = max(0, int(round(lo * 100)) + 1), min(len(self.db), int(hi * 100) + 1)
        silent = np.flatnonzero(self.db[a:b] < self.threshold)
        return (a + silent[-1]) / 100 if len(silent) else None

    def onset(self, lo, hi):
        """Start (s) of the first run of 3 voiced frames in [lo, hi] after a silent frame."""
        a, b = max(0, int(round(lo * 100))), min(len(self.db), int(round(hi * 100)))
        voiced = self.db[a:b] > self.threshold
        for k in range(1, len(voiced) - 2):
            if not voiced[k - 1] and voiced[k] and voiced[k + 1] and voiced[k + 2]:
                return (a + k) / 100
        return None

    def stands_out(self, start, end, frames=3):
        """Whether ``frames`` 10 ms frames in [start, end) are RISE dB over silence (a hiss is; noise hovering at it is not)."""
        a, b = max(0, int(round(start * 100))), min(len(self.db), int(round(end * 100)))
        return bool(np.count_nonzero(self.db[a:b] >= self.threshold + RISE) >= frames)

    def periodicity(self, a, b):
        """Per 10 ms frame in [a, b) (frame indices): the autocorrelation peak at a pitch period, 0-1."""
        peak, _ = autocorrelation(self.audio, a, b, self.FRAME)
        out = np.zeros(b - a)
        out[:len(peak)] = peak
        return out

    def speech_onset(self, lo, hi, lead):
        """(start, voicing start) (s) of the sound leading into the first voiced frames in [lo, hi], or None.

        Voiced: three periodic frames, VOICED_RISE dB over the quietest frame
        before them and within VOICE_SPAN dB of the loudest of the word (a
        music bed is periodic too, but quieter than the voice over it). The
        start: back from there while the sound stays RISE dB over that floor
        and within SPAN dB of the voice (a breath with a pause after it is
        left out), at most ``lead`` seconds.
        """
        a, b = max(0, int(round(lo * 100))), min(len(self.db), int(round(hi * 100)))
        if b - a < 3:
            return None
        db = self.db[a:b]
        floor, loudest = np.minimum.accumulate(db), self.db[a:b + 20].max()
        voiced = ((self.periodicity(a, b) >= PERIODIC) & (db >= floor + VOICED_RISE)
                  & (db >= loudest - VOICE_SPAN))
        runs = voiced[:-2] & voiced[1:-1] & voiced[2:]
        if not runs.any():
            return None
        v = int(np.argmax(runs))
        # Sound means over the floor, and within SPAN dB of the word's voice:
        # in a deep pause the floor alone would take in a murmur.
        level = max(floor[v] + RISE, self.db[a + v:a + v + 20].max() - SPAN)
        start, limit = v, max(0, v - int(round((lead + VOICING_LAG) * 100)))
        while start > limit and db[start - 1] >= level:
            start -= 1
        return (a + start) / 100, (a + v) / 100

    def dips(self, start, end):
        """Whether the sound falls RISE dB under its level on both sides somewhere in [start, end]."""
        a, b = max(0, int(round(start * 100))), min(len(self.db), int(round(end * 100)))
        if b - a < 3:
            return False
        inside = self.db[a:b]
        return bool(inside.min() + RISE <= min(inside[:2].max(), self.db[b:b + 3].max(initial=-120.0)))

    def faint(self, start, end, voiced_at):
        """Whether [start, end] holds sound VOICE_SPAN dB under the voice at ``voiced_at``, then silence.

        So do a breath, a click or a music bed before a word; a word's own
        first phone is louder, or runs into its voice without a pause.
        """
        a, b, v = (int(round(t * 100)) for t in (start, end, voiced_at))
        a = max(0, a)
        silent = np.flatnonzero(self.db[a:b] < self.threshold)
        if not len(silent) or silent[0] == 0:
            return False
        return bool(self.db[a:a + silent[0]].max() < self.db[v:v + 20].max(initial=-120.0) - BREATH_SPAN)

    def voiced_before_silence(self, start, end):
        """Whether the sound from ``start`` to the first silence in [start, end) is voiced from its start.

        3 periodic frames beginning within VOICING_LAG of ``start``: a sound
        that opens unvoiced (a burst, then a vowel, then a stop's closure:
        "com-" of "completely") may be the word's own.
        """
        a, b = max(0, int(round(start * 100))), min(len(self.db), int(round(end * 100)))
        silent = np.flatnonzero(self.db[a:b] < self.threshold)
        if not len(silent) or silent[0] < 3:
            return False
        periodic = self.periodicity(a, a + int(silent[0])) >= PERIODIC
        runs = periodic[:-2] & periodic[1:-1] & periodic[2:]
        return bool(runs[:int(round(VOICING_LAG * 100))].any())

    def unvoiced_after_voice(self, start, end):
        """Start (s) of the first 3 aperiodic frames over silence in [start, end) after a sound voiced from ``start``, or None.

        Voiced from its start: 3 of its first 5 frames periodic (a note's
        partials beating can drop one frame under PERIODIC; a hiss or a
        burst opening the sound leaves 3 out of reach).
        """
        a, b = max(0, int(round(start * 100))), min(len(self.db), int(round(end * 100)))
        if b - a < 6:
            return None
        periodic = self.periodicity(a, b) >= PERIODIC
        if np.count_nonzero(periodic[:5]) < 3:
            return None
        hiss = ~periodic & (self.db[a:b] >= self.threshold)
        runs = np.flatnonzero(hiss[:-2] & hiss[1:-1] & hiss[2:])
        return float(a + runs[0]) / 100 if len(runs) else None

    def has_voice(self, start, end):
        """Whether [start, end) holds 3 periodic frames in a row louder than silence (a breath, a click: none)."""
        a, b = max(0, int(round(start * 100))), min(len(self.db), int(round(end * 100)))
        voiced = (self.periodicity(a, b) >= PERIODIC) & (self.db[a:b] >= self.threshold) if b > a else np.zeros(0, bool)
        return bool((voiced[:-2] & voiced[1:-1] & voiced[2:]).any())

    def periodic(self, start, end):
        """Whether most 10 ms frames in [start, end] are periodic (voiced)."""
        a = max(0, int(round(start * 100)))
        return bool(np.mean(self.periodicity(a, max(a + 1, int(round(end * 100)))) >= PERIODIC) >= 0.5)

    def quieter(self, start, end, voiced_at):
        """How many dB the loudest of [start, end] is under the voice at ``voiced_at``."""
        a, b, v = (max(0, int(round(t * 100))) for t in (start, end, voiced_at))
        if b <= a:
            return 0.0
        return float(self.db[v:v + 20].max(initial=-120.0) - self.db[a:b].max())

    def loudest(self, start, end):
        """The loudest 10 ms frame (dB) in [start, end); -120 where that holds none."""
        a, b = max(0, int(round(start * 100))), max(0, int(round(end * 100)))
        return float(self.db[a:b].max(initial=-120.0))

    def trough(self, start, end):
        """(start, end s, floor dB) of the run of frames within TROUGH dB of the quietest in [start, end], or None."""
        a, b = max(0, int(round(start * 100))), min(len(self.db), int(round(end * 100)))
        if b <= a:
            return None
        db = self.db[a:b]
        k = int(np.argmin(db))
        # The run around the quietest frame: a hiss between two low runs is not the pause.
        high = np.flatnonzero(db > db[k] + TROUGH)
        first, last = high[high < k].max(initial=-1) + 1, high[high > k].min(initial=len(db))
        return (a + first) / 100, (a + last) / 100, float(db[k])

    def pause_level(self, floor, t, quietest=5):
        """Whether ``floor`` (dB) is a pause's around ``t``: within PAUSE_LEVEL dB of the quietest sound
        AROUND it (silence, or a music bed; its ``quietest`` percentile), not a quiet phone's over the pauses' floor."""
        a = int(round(t * 100))
        around = self.db[max(0, a - int(AROUND * 100)):a + int(AROUND * 100)]
        return len(around) > 0 and floor <= np.percentile(around, quietest) + PAUSE_LEVEL

    def speech_start(self, t):
        """Start (s) of the voice activity region that holds ``t``, or -inf outside every one."""
        k = bisect.bisect_right(self.speech_starts, t) - 1
        return self.speech[k][0] if k >= 0 and t <= self.speech[k][1] else float("-inf")

    def speech_gap(self, lo, hi):
        """(end, start) of the pause before the first voice activity region starting in (lo, hi], or None."""
        k = bisect.bisect_right(self.speech_starts, lo)
        if k == 0 or k == len(self.speech) or self.speech[k][0] > hi:
            return None
        return self.speech[k - 1][1], self.speech[k][0]

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
