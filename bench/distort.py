"""Distortions of a programme's media and subtitles, with the truth they imply.

Times called *original* are programme times, where the reference words were
spoken and the subtitles were made.  The subtitles read
``scale * original + lag`` (``lag`` makes a negative offset), and the media is
the programme with edits: a lead-in for a positive offset, inserted breaks,
removed stretches.  ``Timeline`` maps original time to media time.
"""
from dataclasses import dataclass, field

import numpy as np

from bench import audio
from bench.speech import build_programme, paragraphs

NOISE_FLOOR = 0.002       # RMS of the hiss under everything (about -54 dBFS)
SPEECH_LEVEL = 0.08       # RMS fillers are scaled to
FILLER_MARGIN = 0.3       # silence kept around an inserted break


@dataclass(frozen=True)
class Distortion:
    """What was done to a programme; see the module docstring."""

    offset: float = 0.0          # media = subtitle + offset
    scale: float = 1.0           # subtitle = scale * original (25/23.976 etc.)
    inserts: tuple = ()          # ((original time, filler kind, seconds), ...)
    removals: tuple = ()         # ((original time, seconds), ...)
    lead: str = "silence"        # filler for the lead-in of a positive offset
    sloppy: float = 0.0          # seconds: human timing noise on subtitle start/end

    @property
    def lag(self):
        return max(0.0, -self.offset)

    def subtitle_time(self, t):
        return round(self.scale * t + self.lag, 3)


@dataclass
class Timeline:
    """Media made of programme pieces and fillers, in order."""

    pieces: list = field(default_factory=list)   # ("prog", a, b) | ("fill", kind, seconds)

    def spans(self):
        """[(media start, piece)] for every piece."""
        out, t = [], 0.0
        for piece in self.pieces:
            out.append((t, piece))
            t += piece[2] - piece[1] if piece[0] == "prog" else piece[2]
        return out

    def media_time(self, t):
        """Media time of original time ``t``; None when it was removed."""
        if t is None:
            return None
        for m, piece in self.spans():
            if piece[0] == "prog" and piece[1] <= t < piece[2] + 1e-9:
                return round(m + t - piece[1], 4)
        return None

    def fillers(self):
        """[(media start, media end, kind)] of inserted material."""
        return [(round(m, 3), round(m + p[2], 3), p[1]) for m, p in self.spans() if p[0] == "fill"]


def sloppy_spans(spans, amount, seed):
    """Cue spans as a hurried human times them: starts early or late, ends late.

    Starts move by up to ``amount`` (mostly early), ends linger up to twice
    that; cues are kept in order without overlap.
    """
    if not amount:
        return list(spans)
    rng = np.random.default_rng(seed)
    out, last_end = [], 0.0
    for start, end in spans:
        s = max(last_end + 0.04, start + rng.uniform(-amount, amount / 2), 0.0)
        e = max(s + 0.5, end + rng.uniform(0, 2 * amount))
        out.append((round(s, 3), round(e, 3)))
        last_end = e
    for i in range(len(out) - 1):  # lingering ends must not run into the next cue
        if out[i][1] > out[i + 1][0] - 0.04:
            out[i] = (out[i][0], max(out[i][0] + 0.2, out[i + 1][0] - 0.04))
    return out


def cut_points(cue_spans, min_gap=0.3):
    """Mid-points of pauses between cues, where media can be cut cleanly."""
    return [(a_end + b_start) / 2 for (_, a_end), (b_start, _) in zip(cue_spans, cue_spans[1:])
            if b_start - a_end >= min_gap]


def nearest(points, t, after=None):
    """The point of ``points`` closest to ``t`` (only those after ``after``, if given)."""
    pool = [p for p in points if after is None or p > after]
    return min(pool, key=lambda p: abs(p - t))


def timeline(distortion, duration, cuts):
    """The Timeline for a programme of ``duration`` s given its cut points."""
    edits = [(nearest(cuts, t), "fill", kind, seconds) for t, kind, seconds in distortion.inserts]
    for t, seconds in distortion.removals:
        a = nearest(cuts, t)
        edits.append((a, "cut", nearest(cuts, a + seconds, after=a), 0))
    pieces, t = [], 0.0
    if distortion.offset > 0:
        pieces.append(("fill", distortion.lead, distortion.offset))
    for at, what, x, seconds in sorted(edits):
        pieces.append(("prog", t, at))
        if what == "fill":
            pieces.append(("fill", x, seconds))
            t = at
        else:
            t = x
    pieces.append(("prog", t, duration))
    return Timeline([p for p in pieces if p[0] == "fill" or p[2] > p[1]])


def subtitle_segments(distortion, line):
    """Piecewise truth in subtitle time: [{start, end, offset, ratio}] as srtmedia reports."""
    ratio = 1.0 / distortion.scale
    out = []
    for m, piece in line.spans():
        if piece[0] == "prog":
            a, b = piece[1], piece[2]
            out.append({"start": distortion.subtitle_time(a), "end": distortion.subtitle_time(b),
                        "offset": round(m - a - distortion.lag * ratio, 4), "ratio": round(ratio, 6)})
    return out


def filler_audio(kind, seconds, rate, rng, voice="en-us+f2"):
    """``seconds`` of break material: silence, music or other speech (an ad)."""
    n = int(round(seconds * rate))
    if kind == "silence":
        return np.zeros(n, np.float32)
    if kind == "music":
        return audio.music(seconds, rate, rng, SPEECH_LEVEL)
    if kind == "speech":
        return _ad_speech(n, rate, rng, voice)
    if kind == "noise":
        return _framed(audio.crowd_noise(n, rate, rng, SPEECH_LEVEL), n, rate)
    if kind == "voices":
        return _framed(audio.recorded_voices(n, rate, rng, SPEECH_LEVEL), n, rate)
    raise ValueError(f"unknown filler {kind!r}")


FILLERS = ["silence", "music", "speech", "noise", "voices"]


def _framed(x, n, rate):
    """``x`` inside ``n`` samples with ``FILLER_MARGIN`` of silence at each end."""
    margin = min(int(FILLER_MARGIN * rate), n // 2)   # a break shorter than two margins is all margin
    x = x[: max(0, n - 2 * margin)]
    return np.concatenate([np.zeros(margin, np.float32), x, np.zeros(n - margin - len(x), np.float32)])


def _ad_speech(n, rate, rng, voice):
    ads = paragraphs("ads")
    pieces, total = [], 0
    while total < n:
        order = rng.permutation(len(ads))
        prog = build_programme([ads[i] for i in order], [voice], 190,
                               seed=int(rng.integers(1 << 30)), lead_in=0.0)
        pieces.append(prog.audio)
        total += len(prog.audio)
    x = np.concatenate(pieces)[: max(0, n - 2 * int(FILLER_MARGIN * rate))]
    return _framed(x * (SPEECH_LEVEL / max(audio.rms(x), 1e-9)), n, rate)


def render(line, programme_audio, rate, seed):
    """The media samples for a Timeline, with a noise floor over everything."""
    rng = np.random.default_rng(seed)
    level = SPEECH_LEVEL / max(audio.rms(programme_audio[programme_audio != 0]), 1e-9)
    parts = []
    for _, piece in line.spans():
        if piece[0] == "prog":
            parts.append(programme_audio[int(round(piece[1] * rate)): int(round(piece[2] * rate))] * level)
        else:
            parts.append(filler_audio(piece[1], piece[2], rate, rng))
    x = np.concatenate(parts).astype(np.float32)
    return x + audio.noise(len(x), NOISE_FLOOR, rng)
