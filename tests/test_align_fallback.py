"""A chunk forced alignment cannot take falls back, and the result says so."""
import numpy as np
import pytest

from srtmedia.pipeline import Options
from srtmedia.pipeline.timing.align import _without_a_cue, align_words
from srtmedia.pipeline.timing.realign import after_other_speech
from srtmedia.pipeline.timing.chunks import Chunk, store_times
from srtmedia.pipeline.timing.forced import ForcedAligner, int16_samples
from srtmedia.pipeline.timing.sync import Anchor, Run
from srtmedia.pipeline.audio.media import SAMPLE_RATE
from srtmedia.pipeline.audio.speech import RecognizedWord, Transcript
from srtmedia.pipeline.text.subtitles import parse_subtitles
from srtmedia.pipeline.text.words import normalize, words_from_cues

from conftest import GAP, PHRASES, srt_text, synthesize


@pytest.fixture(scope="module")
def talk():
    """Four phrases, their cues 2 s late, and what a recogniser heard (every word)."""
    pieces, spoken, t = [np.zeros(SAMPLE_RATE, np.float32)], [], 1.0
    for text in PHRASES[:4]:
        audio = synthesize(text)
        spoken.append((t, t + len(audio) / SAMPLE_RATE, text))
        pieces += [audio, np.zeros(int(GAP * SAMPLE_RATE), np.float32)]
        t += len(audio) / SAMPLE_RATE + GAP
    cues = parse_subtitles(srt_text([(s + 2.0, e + 2.0, text) for s, e, text in spoken]))
    heard = [RecognizedWord(w, s + (e - s) * k / len(text.split()), s + (e - s) * (k + 1) / len(text.split()), 0.9)
             for s, e, text in spoken for k, w in enumerate(text.split())]
    return np.concatenate(pieces), cues, Transcript(words=heard, speech=[(s, e) for s, e, _ in spoken]), spoken


class BrokenDecoder:
    """Fails the way PocketSphinx did on an empty chunk."""

    def lookup_word(self, word):
        return "AH"

    def set_align_text(self, text):
        pass

    def start_utt(self):
        pass

    def process_raw(self, audio, full_utt=False):
        raise IndexError("Out of bounds on buffer access (axis 0)")

    def end_utt(self):
        pass


def test_decoder_errors_fall_back_to_recogniser_times_with_a_warning(talk, monkeypatch):
    audio, cues, transcript, spoken = talk
    monkeypatch.setattr(ForcedAligner, "_decoder", lambda self, beam: BrokenDecoder())
    words = words_from_cues(cues)
    alignment = align_words(audio, words, cues, transcript, Options(threads=1))
    assert all(w.start is not None for w in alignment.words)
    firsts = [next(w.id for w in words if w.cue_index == k) for k in range(len(cues))]
    for k, i in enumerate(firsts):  # the recogniser's start, less its usual lag
        assert abs(alignment.words[i].start - spoken[k][0]) <= 0.15
    assert len(alignment.warnings) == 1 and "forced alignment failed" in alignment.warnings[0]


def test_media_that_stops_mid_speech_falls_back_for_the_words_it_lacks(talk):
    audio, cues, transcript, spoken = talk
    # The media stops inside the second phrase; the recogniser (as a stale cache might) says more.
    alignment = align_words(audio[:int((spoken[1][0] + 1.0) * SAMPLE_RATE)], words := words_from_cues(cues),
                            cues, transcript, Options(threads=1))
    assert all(w.start is not None for w in alignment.words)
    assert abs(alignment.words[0].start - spoken[0][0]) <= 0.05
    assert alignment.warnings and "forced alignment failed" in alignment.warnings[0]


def test_a_chunk_failed_for_a_cue_not_spoken_is_aligned_without_it(talk):
    audio, cues, transcript, spoken = talk
    # The subtitles' second line is said nowhere: the aligner fails on the chunk holding all four.
    words = words_from_cues(cues)
    tokens = [[normalize(w.text)] for w in words]
    cue_of = [w.cue_index for w in words]
    said = [i for i in range(len(words)) if cue_of[i] != 1]
    heard = [w for k, w in enumerate(transcript.words) if cue_of[k] != 1]
    cut = np.concatenate([audio[:int((spoken[1][0] - 0.2) * SAMPLE_RATE)],
                          audio[int((spoken[2][0] - 0.2) * SAMPLE_RATE):]])
    shift = spoken[2][0] - spoken[1][0]
    asr = [RecognizedWord(w.text, w.start - (shift if w.start > spoken[1][0] else 0.0),
                          w.end - (shift if w.start > spoken[1][0] else 0.0), 0.9) for w in heard]
    run = Run([Anchor(i, k, 0.0, 0.0) for k, i in enumerate(said)], 0.0, 1.0)
    chunk = Chunk(0, len(words) - 1, 0.0, len(cut) / SAMPLE_RATE)
    assert ForcedAligner().align(int16_samples(cut, chunk.start, chunk.end), sum(tokens, []), 0.0) is None
    times, left_out = _without_a_cue(cut, chunk, tokens, run, asr, cues, cue_of)
    assert (left_out.first, left_out.last) == (cue_of.index(1), len(cue_of) - 1 - cue_of[::-1].index(1))
    timed = [None] * len(words)
    store_times(timed, [[] if cue_of[i] == 1 else t for i, t in enumerate(tokens)], chunk, times)
    # Each phrase's first word where it was said (the recogniser's times spread words evenly).
    for i, w in zip(said, asr):
        if i == 0 or cue_of[i - 1] != cue_of[i]:
            assert abs(timed[i].start - w.start) <= 0.15


def test_of_two_cues_none_of_whose_words_matched_the_one_left_out_is_the_one_over_silence():
    lines = ["The first of them is simple.", "A goat herder noticed his animals.", "A scientist noticed milkmaids.",
             "An engineer noticed a bridge starting to sway."]
    pieces, spoken, t = [np.zeros(SAMPLE_RATE, np.float32)], [], 1.0
    for k, text in enumerate(lines):
        audio = synthesize(text)
        # The third line is muted: its cue is one the media lacks.
        pieces += [audio * (0.0 if k == 2 else 1.0), np.zeros(int(GAP * SAMPLE_RATE), np.float32)]
        spoken.append((t, t + len(audio) / SAMPLE_RATE, text))
        t += len(audio) / SAMPLE_RATE + GAP
    audio = np.concatenate(pieces)
    cues = parse_subtitles(srt_text(spoken))
    words = words_from_cues(cues)
    tokens = [[normalize(w.text)] for w in words]
    cue_of = [w.cue_index for w in words]
    # The second line was heard, but as other words, so none of it matched; the third, muted, not at all.
    asr = [RecognizedWord("mumbled" if cue_of[k] == 1 else w, s + (e - s) * n / len(text.split()),
                          s + (e - s) * (n + 1) / len(text.split()), 0.9)
           for s, e, text in spoken for n, w in enumerate(text.split())
           for k in [len(" ".join(lines[:lines.index(text)]).split()) + n] if cue_of[k] != 2]
    said = [k for k in range(len(words)) if cue_of[k] != 2]
    run = Run([Anchor(i, said.index(i), 0.0, 0.0) for i in said if cue_of[i] in (0, 3)], 0.0, 1.0)
    chunk = Chunk(0, len(words) - 1, 0.0, len(audio) / SAMPLE_RATE)
    times, left_out = _without_a_cue(audio, chunk, tokens, run, asr, cues, cue_of)
    assert left_out is not None and {cue_of[left_out.first], cue_of[left_out.last]} == {2}


def test_a_chunk_failed_with_every_cue_heard_is_not_aligned_without_one(talk):
    audio, cues, transcript, spoken = talk
    words = words_from_cues(cues)
    tokens = [[normalize(w.text)] for w in words]
    run = Run([Anchor(i, i, 0.0, 0.0) for i in range(len(words))], 0.0, 1.0)
    # Every cue's words were heard: none of them is one the media lacks.
    chunk = Chunk(0, len(words) - 1, 0.0, spoken[0][0] + 0.5)
    assert _without_a_cue(audio, chunk, tokens, run, transcript.words, cues, [w.cue_index for w in words]) == (None, None)


def test_a_chunk_begun_inside_its_first_word_takes_its_start_from_the_speech_run_on_into_it():
    # A line the subtitles lack runs on into the cue ("... or a | weakened form of a germ"), and the
    # recogniser put the boundary late: the chunk begins inside "weakened".
    audio = np.concatenate([np.zeros(SAMPLE_RATE // 2, np.float32),
                            synthesize("a harmless piece or a weakened form of a germ")])
    said = "a harmless piece or a weakened form of a germ".split()
    whole = ForcedAligner().align(int16_samples(audio, 0.0, len(audio) / SAMPLE_RATE), said, 0.0)
    onset = whole[5][0]
    asr = [RecognizedWord(w, s + 0.1, e + 0.1, 0.9) for w, (s, e, _) in zip(said, whole)]
    tokens = [[w] for w in said[5:]]
    chunk = Chunk(0, len(tokens) - 1, onset + 0.12, len(audio) / SAMPLE_RATE)
    timed = [None] * len(tokens)
    store_times(timed, tokens, chunk, ForcedAligner().align(
        int16_samples(audio, chunk.start, chunk.end), [t for ts in tokens for t in ts], chunk.start))
    assert timed[0].start >= onset + 0.1
    after_other_speech(timed, chunk, tokens, asr, 5, audio, "en")
    assert abs(timed[0].start - onset) <= 0.03
