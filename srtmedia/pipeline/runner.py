"""run(): the three stages in order, with progress and cancellation."""
from importlib.metadata import version

from srtmedia.pipeline.errors import Cancelled, LimitExceeded, MediaError, SubtitleError
from srtmedia.pipeline.options import Options

STAGES = ("transcribing", "processing_llm", "aligning")


def run(subtitles_path, media_path, options=None, progress=None, is_cancelled=None):
    """Process one subtitle file and its media; return the result dict.

    ``progress(stage, fraction, message)`` is called as work advances;
    ``is_cancelled()`` is polled between steps and stops the run with
    Cancelled. Bad input raises a PipelineError subclass.
    """
    from srtmedia.pipeline.align import align_words
    from srtmedia.pipeline.assemble import build_result
    from srtmedia.pipeline.llm import engine_for
    from srtmedia.pipeline.media import SAMPLE_RATE, decode_audio, probe
    from srtmedia.pipeline.speech import transcribe
    from srtmedia.pipeline.subtitles import read_subtitles
    from srtmedia.pipeline.text import words_from_cues

    options = options or Options.from_env()
    report = progress or (lambda stage, fraction, message: None)
    cancelled = is_cancelled or (lambda: False)

    def checkpoint():
        if cancelled():
            raise Cancelled()

    def stage(name):
        return lambda fraction, message: report(name, max(0.0, min(1.0, fraction)), message)

    cues = read_subtitles(subtitles_path, max_cues=options.max_cues)
    words = words_from_cues(cues)
    if not any(not w.sound for w in words):
        raise SubtitleError("the subtitles contain no spoken words to align")

    report("transcribing", 0.0, "Reading the media")
    media = probe(media_path)
    if media["duration"] and media["duration"] > options.max_duration:
        raise LimitExceeded(f"the media lasts {media['duration']:.0f} s, over the limit of "
                            f"{options.max_duration:.0f} s")
    checkpoint()
    report("transcribing", 0.01, "Decoding the audio")
    audio = decode_audio(media_path, max_duration=options.max_duration,
                         expected_duration=media["duration"])
    checkpoint()
    transcript = transcribe(audio, options, stage("transcribing"), cancelled)
    checkpoint()
    if not transcript.speech:
        raise MediaError(f"no speech was found in the media ({len(audio) / SAMPLE_RATE:.0f} s of "
                         "audio without a voice): there is nothing to align the subtitles to")

    report("processing_llm", 0.0, f"Building sentences from {len(cues)} cues")
    document = engine_for(options).build(words, cues, progress=stage("processing_llm"))
    checkpoint()
    report("processing_llm", 1.0, f"{sum(len(p) for p in document.paragraphs)} sentences in "
                                  f"{len(document.paragraphs)} paragraphs")

    report("aligning", 0.0, "Matching subtitles to speech")
    alignment = align_words(audio, words, cues, transcript, options, stage("aligning"), cancelled)
    warnings = list(document.warnings) + alignment.warnings
    if not alignment.runs:
        warnings.append("the subtitles do not match the speech in the media: times were not changed")
    engine = {**transcript.engine, "text": document.engine,
              "aligner": {"name": "pocketsphinx forced alignment" if options.word_timing
                          else "whisper word times", "version": version("pocketsphinx")}}
    result = build_result(cues, words, document, alignment, transcript,
                          {k: media[k] for k in ("duration", "format", "streams")}, engine, warnings)
    report("aligning", 1.0, "Done")
    return result
