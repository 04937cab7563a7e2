"""Audio helpers: WAV files, filler sounds, encoding and decoding with ffmpeg."""
import subprocess
import wave
from pathlib import Path

import numpy as np


def ffmpeg_exe():
    """The ffmpeg binary shipped by imageio-ffmpeg (there is no system one)."""
    import imageio_ffmpeg
    return imageio_ffmpeg.get_ffmpeg_exe()


def write_wav(path, x, rate):
    """Write float samples in [-1, 1] as 16-bit mono PCM."""
    pcm = (np.clip(x, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def decode(path, rate=16000):
    """Any media file -> float32 mono at ``rate`` (through ffmpeg)."""
    cmd = [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-vn",
           "-ac", "1", "-ar", str(rate), "-f", "f32le", "-"]
    out = subprocess.run(cmd, check=True, capture_output=True).stdout
    return np.frombuffer(out, np.float32)


# How each container is written; the video stream makes the mp4 a "film".
ENCODINGS = {
    "wav": None,
    "mp4": ["-f", "lavfi", "-i", "color=c=black:s=160x90:r=25",
            "-map", "1:v", "-map", "0:a", "-shortest",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage",
            "-c:a", "aac", "-b:a", "96k", "-ar", "48000", "-ac", "2"],
    "m4a": ["-c:a", "aac", "-b:a", "48k", "-ar", "22050", "-ac", "1"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-ar", "44100"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "3", "-ar", "44100"],
    # Small files for committed fixtures: mono, the source's sample rate.
    "mp3-speech": ["-c:a", "libmp3lame", "-b:a", "40k", "-ac", "1"],
}


def extension(fmt):
    """File extension for an ``ENCODINGS`` key ("mp3-speech" -> "mp3")."""
    return fmt.split("-")[0]


def encode(wav_path, out_path, fmt):
    """Encode a WAV into ``fmt`` (a key of ``ENCODINGS``)."""
    cmd = [ffmpeg_exe(), "-v", "error", "-nostdin", "-y", "-i", str(wav_path)]
    cmd += ENCODINGS[fmt] + [str(out_path)]
    subprocess.run(cmd, check=True, capture_output=True)


def lag_seconds(reference, other, rate, span=30.0):
    """Delay of ``other`` against ``reference`` (FFT cross-correlation of the first ``span`` s)."""
    n = int(min(len(reference), len(other), span * rate))
    a, b = reference[:n] - reference[:n].mean(), other[:n] - other[:n].mean()
    size = 1 << int(np.ceil(np.log2(2 * n)))
    corr = np.fft.irfft(np.conj(np.fft.rfft(a, size)) * np.fft.rfft(b, size), size)
    k = int(np.argmax(corr))
    return (k if k < size // 2 else k - size) / rate


def rms(x):
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0


def noise(n, level, rng):
    """Gaussian noise with RMS ``level``."""
    return (rng.standard_normal(n) * level).astype(np.float32)


def music(duration, rate, rng, level=0.08):
    """A music-like bed: pentatonic melody, bass, kick and hi-hat at a random tempo."""
    n = int(duration * rate)
    out = np.zeros(n + rate, np.float32)
    beat = 60.0 / rng.uniform(96, 132)
    scale = np.array([0, 3, 5, 7, 10, 12, 15])
    t = 0.0
    step = 0
    while t < duration:
        pos = int(t * rate)
        note = 220.0 * 2 ** (rng.choice(scale) / 12)
        _mix(out, pos, _tone(note, beat * rng.choice([0.5, 1.0]), rate, 0.5))
        if step % 4 == 0:
            _mix(out, pos, _tone(note / 4, beat * 2, rate, 0.6))
        if step % 2 == 0:
            _mix(out, pos, _kick(rate))
        else:
            hat = noise(int(0.05 * rate), 0.3, rng) * np.exp(-np.linspace(0, 6, int(0.05 * rate)))
            _mix(out, pos, hat)
        t += beat / 2
        step += 1
    out = out[:n]
    fade = min(n // 2, int(0.3 * rate))
    out[:fade] *= np.linspace(0, 1, fade)
    out[n - fade:] *= np.linspace(1, 0, fade)
    return out * (level / max(rms(out), 1e-9))


def _mix(out, pos, sound):
    """Add ``sound`` into ``out`` at ``pos``, clipped to its end."""
    n = min(len(sound), len(out) - pos)
    out[pos: pos + n] += sound[:n]


def _tone(freq, seconds, rate, gain):
    t = np.arange(int(seconds * rate)) / rate
    wave_ = sum(np.sin(2 * np.pi * freq * h * t) / h for h in (1, 2, 3))
    return (gain * wave_ * np.exp(-3.0 * t / seconds)).astype(np.float32)


def _kick(rate):
    t = np.arange(int(0.15 * rate)) / rate
    freq = 50 + 70 * np.exp(-t * 30)
    return (np.sin(2 * np.pi * np.cumsum(freq) / rate) * np.exp(-t * 25)).astype(np.float32)


def crowd_noise(n, rate, rng, level=0.08):
    """Speech-shaped noise with a syllable-rate envelope: a room full of chatter, no words."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    band = (freqs > 100) & (freqs < 5000)
    spectrum *= band / np.sqrt(np.maximum(freqs, 100) / 100)
    x = np.fft.irfft(spectrum, n)
    hop = max(1, rate // 8)               # one random level per 125 ms, smoothed
    steps = rng.uniform(0.3, 1.0, n // hop + 2)
    envelope = np.interp(np.arange(n) / hop, np.arange(len(steps)), steps)
    x *= envelope
    return (x * (level / max(rms(x), 1e-9))).astype(np.float32)


def recorded_voice_files():
    """Real human speech shipped in installed packages: auditok's two test recordings.

    An Arabic reading of digits over background noise and a German sentence
    (auditok, GPL-3, installed with ffsubsync; read at run time, never copied
    into this repo).  Empty when auditok is not installed.
    """
    import importlib.util
    spec = importlib.util.find_spec("auditok")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(list(spec.submodule_search_locations)[0]) / "data"
    return sorted(folder.glob("*.wav"))


def recorded_voices(n, rate, rng, level=0.08):
    """``n`` samples of ``recorded_voice_files`` in random order (other people talking)."""
    files = recorded_voice_files()
    if not files:
        raise RuntimeError("no recorded voices: install auditok (pip install -e '.[bench]')")
    pieces, total = [], 0
    while total < n:
        x = decode(files[int(rng.integers(len(files)))], rate)
        pieces.append(x)
        total += len(x)
    x = np.concatenate(pieces)[:n]
    return (x * (level / max(rms(x), 1e-9))).astype(np.float32)
