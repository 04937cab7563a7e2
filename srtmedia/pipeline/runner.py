"""run(): the three stages in order, with progress and cancellation."""
import dataclasses
from importlib.metadata import version

from srtmedia.pipeline.errors import Cancelled, LimitExceeded, MediaError, SubtitleError
from srtmedia.pipeline.options import Options

STAGES = ("transcribing", "processing_llm", "aligning")
# Below this share of spoken cues placed by their words, the words did not
# match the speech (a translation, another language): speech timing places them.
MIN_WORD_SHARE = 0.3
SURE = 0.9   # detection confidence under which the recogniser runs even in a language it lacks


def run(subtitles_path, media_path, options=None, progress=None, is_cancelled=None):
    """Process one subtitle file and its media; return the result dict.

    ``progress(stage, fraction, message)`` is called as work advances;
    ``is_cancelled()`` is polled between steps and stops the run with
    Cancelled. Bad input raises a PipelineError subclass.
    """
    from srtmedia.pipeline.timing import espeak
    from srtmedia.pipeline.timing.align import align_words
    from srtmedia.pipeline.output.assemble import build_result
    from srtmedia.pipeline.text.llm import engine_for
    from srtmedia.pipeline.text.language import subtitle_language
    from srtmedia.pipeline.audio.media import SAMPLE_RATE, decode_audio, probe
    from srtmedia.pipeline.audio.speech import SpeechDetector, model_settings
    from srtmedia.pipeline.timing.speech_timing import align_by_speech
    from srtmedia.pipeline.text.subtitles import read_subtitles
    from srtmedia.pipeline.text.words import words_from_cues

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
    language = subtitle_language(" ".join(w.text for w in words if not w.sound), options.language)
    options = dataclasses.replace(options, language=language.code)

    report("transcribing", 0.0, "Reading the media")
    media = probe(media_path)
    if media["duration"] and media["duration"] > options.max_duration:
        raise LimitExceeded(f"the media lasts {media['duration']:.0f} s, over the limit of "
                            f"{options.max_duration:.0f} s")
    checkpoint()
    report("transcribing", 0.01, "Decoding the audio and detecting speech")
    with SpeechDetector(model_settings(options)[1], cancelled) as detector:
        audio = decode_audio(media_path, max_duration=options.max_duration,
                             expected_duration=media["duration"], on_samples=detector.feed)
        speech = detector.regions(audio)
    checkpoint()
    known = recogniser_languages(options)
    transcript = listen(audio, speech, options, language, known, stage("transcribing"), cancelled, (words, cues))
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
    warnings = list(document.warnings)
    alignment = None
    if transcript.words:
        alignment = align_words(audio, words, cues, transcript, options, stage("aligning"), cancelled)
        warnings += alignment.warnings
    by_words = alignment is not None and word_share(alignment, words) >= MIN_WORD_SHARE
    if by_words:
        aligner = {"name": "pocketsphinx forced alignment" if options.word_timing else "whisper word times",
                   "version": version("pocketsphinx")}
    else:
        report("aligning", 0.5, "Placing the cues on the timing of speech")
        warnings.append(why_speech_timing(language.code, known, alignment, words))
        # Words are aligned inside their cues only where no recogniser has
        # already said they are not the words spoken (it heard others).
        heard_others = alignment is not None and transcript.language == language.code
        alignment = align_by_speech(audio, words, cues, transcript.speech,
                                    language.code if options.word_timing and not heard_others else None)
        warnings += alignment.warnings
        aligner = {"name": "speech timing (voice activity against cue timing)", "version": None}
    engine = {**transcript.engine, "text": document.engine, "aligner": aligner,
              "pronunciations": espeak.describe() if options.word_timing else None}
    result = build_result(cues, words, document, alignment, transcript,
                          {k: media[k] for k in ("duration", "format", "streams")}, engine, warnings,
                          placed_by="words" if by_words else "speech timing",
                          timing=None if by_words else alignment.timing,
                          language={**language.as_dict(), "recogniser": sorted(known),
                                    "speech_matched": by_words if transcript.words else None})
    report("aligning", 1.0, "Done")
    return result


def recogniser_languages(options):
    """The languages the configured Whisper model recognises (the bundled tiny.en: English)."""
    from srtmedia.pipeline.audio.speech import load_model, model_settings

    return set(load_model(*model_settings(options)).supported_languages)


def listen(audio, speech, options, language, known, progress, cancelled, subtitles):
    """The Transcript: recognised words, or only where speech is when the recogniser lacks the language.

    In a language the recogniser knows, only the speech the timing needs is
    recognised (``timing.sampling``). A language detected without much
    certainty may be wrong: the recogniser then runs on all the speech in the
    language it finds itself, and the words decide.
    """
    from srtmedia.pipeline.audio.media import SAMPLE_RATE
    from srtmedia.pipeline.audio.speech import Transcript, transcribe
    from srtmedia.pipeline.timing.sampling import Plan

    if options.language in known:
        plan = Plan(*subtitles, len(audio) / SAMPLE_RATE, stride=options.recognition_stride,
                    min_seconds=options.recognition_min_seconds, first_round=options.recognition_first_round)
        return transcribe(audio, options, progress, cancelled, plan, speech)
    if language.source != "given" and (language.confidence or 0.0) < SURE:
        return transcribe(audio, dataclasses.replace(options, language=""), progress, cancelled, speech=speech)
    return Transcript(words=[], speech=speech, language=options.language, engine={
        "asr": None, "vad": {"name": "silero-vad (faster-whisper)",
                             "speech_seconds": round(sum(e - s for s, e in speech), 3)}})


def word_share(alignment, words):
    """Share of the cues with spoken words that their words placed in the audio."""
    spoken, heard = {}, {}
    for w in words:
        if not w.sound:
            spoken[w.cue_index] = spoken.get(w.cue_index, 0) + 1
            heard[w.cue_index] = heard.get(w.cue_index, 0) + alignment.heard[w.id]
    placed = sum(2 * heard[c] >= n for c, n in spoken.items())
    return placed / len(spoken) if spoken and alignment.runs else 0.0


def why_speech_timing(code, known, alignment, words):
    """The warning that says why cues were placed from the timing of speech, not their words."""
    if code not in known:
        return (f"the subtitles are in {code!r}, which the recogniser does not know ({', '.join(sorted(known))}): "
                "cues were placed from the timing of speech, not their words")
    if alignment is None:
        return "the recogniser heard no words in the speech: cues were placed from the timing of speech"
    return (f"the subtitle words did not match the speech (a translation or another language: "
            f"{word_share(alignment, words):.0%} of cues matched): cues were placed from the timing of speech")
