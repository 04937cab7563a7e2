"""A note of a music bed that runs into a word's voice: told apart by its pitch.

Under a bed the pause before a word is not silent, and a note of the bed can
run into the voice with little or no dip between. The aligner hears a voiced
first phone in any periodic sound and begins the word on the note; energy
cannot part them, and a threshold low enough to find the dip finds closures
in running speech too. But a note holds a pitch of its own, under the voice:
where the sound before the word's rise is periodic at another pitch (octaves
aside), it is the bed's, and the word starts where its voice rises.
"""
import numpy as np

from srtmedia.pipeline.audio.media import SAMPLE_RATE, as_float

NOTE_UNDER = 10.0      # dB under the word's loudest frame that all of a note before it lies
FLOOR_UNDER = 25.0     # dB under the word's loudest that its start must reach to lie in a pause
PITCH_APART = 2 / 12   # octaves (two semitones) between a note's pitch and the voice's, whole octaves aside
NOTE_FRAMES = 5        # periodic 10 ms frames at a pitch that make a note
VOICE_FRAMES = 5       # frames from the rise whose pitch is the voice's
PERIODIC = 0.6         # normalised autocorrelation at the pitch period of a voiced frame
PITCH_LAGS = (40, 256)  # samples at 16 kHz: 400 Hz down to 62.5 Hz


def rise_past_note(energy, start, end, explained):
    """Where the voice of a word begun at ``start`` rises out of a bed note (s), or None.

    None unless the aligner's start lies in a pause (FLOOR_UNDER dB under the
    word) and the sound from there to the voice is a note: NOTE_UNDER dB
    under the voice, periodic, mostly at a pitch PITCH_APART from the
    voice's, and longer than the first phone explains (``explained`` s).
    The word starts at the quietest frame between the note and the voice.
    """
    db = energy.db
    a, b = max(0, int(round(start * 100))), min(len(db), int(round(end * 100)))
    if b - a < NOTE_FRAMES + VOICE_FRAMES:
        return None
    peak = db[a:b].max()
    if db[max(0, a - 2):a + 3].min() > peak - FLOOR_UNDER:
        return None
    voiced = a + int(np.argmax(db[a:b] >= peak - NOTE_UNDER))
    voice = _pitch(energy, voiced, min(b, voiced + VOICE_FRAMES))
    if len(voice) < VOICE_FRAMES // 2 + 1:
        return None
    strength, lag = autocorrelation(energy.audio, a, voiced, energy.FRAME)
    periodic = strength >= PERIODIC
    apart = periodic & (_octaves_apart(SAMPLE_RATE / lag, float(np.median(voice))) >= PITCH_APART)
    if apart.sum() < NOTE_FRAMES:
        return None
    note = int(np.flatnonzero(apart)[-1]) + 1
    # A voice frame taken for another pitch leaves the voice's own periodic frames in the "note".
    if apart[:note].sum() < 2 / 3 * periodic[:note].sum() or db[a:a + note].max() > peak - NOTE_UNDER:
        return None
    rise = a + note + int(np.argmin(db[a + note:voiced + 1]))
    return rise / 100 if (rise - a) / 100 > explained else None


def _octaves_apart(pitch, other):
    """Distance in octaves between ``pitch`` (array) and ``other``, whole octaves aside (0-0.5)."""
    octaves = np.abs(np.log2(pitch / other))
    return np.abs(octaves - np.round(octaves))


def _pitch(energy, a, b):
    """Pitch (Hz) of the periodic 10 ms frames in [a, b) (frame indices)."""
    strength, lag = autocorrelation(energy.audio, a, b, energy.FRAME)
    return SAMPLE_RATE / lag[strength >= PERIODIC]


def autocorrelation(audio, a, b, frame):
    """(peak, lag) per ``frame``-sample frame in [a, b) whose 30 ms window fits in ``audio``.

    peak: the normalised autocorrelation at the best pitch period (0-1),
    lag: that period in samples.
    """
    width = 3 * frame  # 30 ms: two periods of the lowest pitch
    starts = np.arange(a, b) * frame
    starts = starts[starts + width <= len(audio)]
    if not len(starts):
        return np.zeros(0), np.ones(0, dtype=np.int64)
    frames = as_float(audio[starts[:, None] + np.arange(width)]).astype(np.float64)
    frames -= frames.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(frames, 2 * width, axis=1)
    correlation = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, :width]
    lags = np.arange(*PITCH_LAGS)
    # Unbiased: at lag L only width - L products are summed.
    scaled = correlation[:, lags] * (width / (width - lags))
    peak = np.where(correlation[:, 0] > 0, scaled.max(axis=1) / np.maximum(correlation[:, 0], 1e-12), 0.0)
    return peak, lags[np.argmax(scaled, axis=1)]
