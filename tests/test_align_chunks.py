"""Where align.plan_chunks starts a chunk whose first words the recogniser misheard."""
import numpy as np

from srtmedia.pipeline.audio.speech import RecognizedWord
from srtmedia.pipeline.timing.align import plan_chunks
from srtmedia.pipeline.timing.onsets import Energy
from srtmedia.pipeline.timing.sync import Anchor, Run


def energy_with_pauses(*pauses, seconds=5.0):
    """Frame levels of speech everywhere but the ``(start, end, dB)`` pauses."""
    energy = Energy.__new__(Energy)
    energy.db = np.full(int(seconds * 100), -20.0)
    for start, end, level in pauses:
        energy.db[int(start * 100):int(end * 100)] = level
    energy.threshold = -40.0
    return energy


def test_a_chunk_with_misheard_first_words_starts_before_its_cue_not_at_a_comma_inside_it():
    # The cue starts at 0.6 s ("Coffee began, according..."); the recogniser
    # matched nothing before "according" at 1.9 s, after a comma's pause at
    # 1.6-1.8 s that is quieter than the pause before the cue.
    energy = energy_with_pauses((0.3, 0.55, -50.0), (1.6, 1.8, -70.0))
    asr = [RecognizedWord("according", 1.9, 2.3, 0.9), RecognizedWord("to", 2.3, 2.5, 0.9)]
    run = Run([Anchor(2, 0, 1.9, 1.9), Anchor(3, 1, 2.3, 2.3)], offset=0.0, ratio=1.0)
    chunks = plan_chunks(run, asr, energy, edges=(0, 0.6, 3, None), cue_of=[0, 0, 0, 0])
    assert chunks[0].first == 0 and 0.3 <= chunks[0].start <= 0.6


def test_a_chunk_whose_first_word_was_heard_starts_in_the_pause_before_it():
    energy = energy_with_pauses((0.9, 1.2, -50.0), (2.6, 2.7, -70.0))
    asr = [RecognizedWord("coffee", 1.3, 1.7, 0.9), RecognizedWord("began", 1.7, 2.1, 0.9)]
    run = Run([Anchor(0, 0, 1.3, 1.3), Anchor(1, 1, 1.7, 1.7)], offset=0.0, ratio=1.0)
    chunks = plan_chunks(run, asr, energy, cue_of=[0, 0])
    assert 0.9 <= chunks[0].start <= 1.3


def test_words_after_an_unspoken_cue_are_realigned_from_the_pause_before_the_next_heard_word(monkeypatch):
    # Cue 0 ("gone", word 0) is not in the media; an unsubtitled line fills
    # 0.2-1.4 s, then a pause (1.4-1.6 s), then cue 1 ("here now") heard at 1.7 s.
    # Aligned together, "here" was pulled onto the line's end at 1.2 s.
    from srtmedia.pipeline.model import Cue, TimedWord
    from srtmedia.pipeline.timing import align
    from srtmedia.pipeline.timing.chunks import Chunk

    calls = []

    class Aligner:
        def align(self, samples, tokens, offset=0.0):
            calls.append((offset, tokens))
            return [(offset + 0.1 + 0.3 * k, offset + 0.35 + 0.3 * k, 0.9) for k in range(len(tokens))]

    monkeypatch.setattr(align, "shared_aligner", lambda: Aligner())
    energy = energy_with_pauses((1.4, 1.6, -60.0))
    asr = [RecognizedWord("here", 1.7, 2.0, 0.9), RecognizedWord("now", 2.0, 2.3, 0.9)]
    run = Run([Anchor(1, 0, 1.0, 1.7), Anchor(2, 1, 1.3, 2.0)], offset=0.7, ratio=1.0)
    cues = [Cue(0, 0.0, 0.9, "gone"), Cue(1, 1.0, 1.6, "here now")]
    timed = [TimedWord(0.2, 1.1, 0.5), TimedWord(1.2, 1.9, 0.5), TimedWord(2.0, 2.3, 0.5)]
    tokens = [["gone"], ["here"], ["now"]]
    align._realign_past(timed, {0}, [Chunk(0, 2, 0.1, 3.0)], [run], tokens, asr, energy,
                        np.zeros(16000 * 5, np.float32), cues, [0, 1, 1])
    assert len(calls) == 1 and 1.4 <= calls[0][0] <= 1.6 and calls[0][1] == ["here", "now"]
    assert timed[1].start >= 1.5 and timed[0] == TimedWord(0.2, 1.1, 0.5)
