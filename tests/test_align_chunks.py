"""Where align.plan_chunks starts a chunk whose first words the recogniser misheard."""
import numpy as np
import pytest

from srtmedia.pipeline.audio.speech import RecognizedWord
from srtmedia.pipeline.timing.align import plan_chunks
from srtmedia.pipeline.timing.energy import Energy
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


def test_a_chunk_is_not_cut_before_its_last_word_starts():
    # "...yawning, as you may": "yawning" misheard (not anchored), "as" heard
    # at 7.25-7.35 after the pause at 7.05-7.15, "you" straight after it.
    energy = energy_with_pauses((0.2, 0.4, -60.0), (7.05, 7.15, -70.0), seconds=10.0)
    asr = [RecognizedWord("seeing", 0.5, 0.8, 0.9), RecognizedWord("yornin", 6.4, 7.0, 0.9),
           RecognizedWord("as", 7.25, 7.35, 0.9), RecognizedWord("you", 7.35, 7.5, 0.9)]
    run = Run([Anchor(0, 0, 0.5, 0.5), Anchor(2, 2, 7.25, 7.25), Anchor(3, 3, 7.35, 7.35)], offset=0.0, ratio=1.0)
    chunks = plan_chunks(run, asr, energy, cue_of=[0, 0, 1, 1])
    assert all(c.end > 7.25 for c in chunks if c.first <= 2 <= c.last)


def test_words_after_an_unspoken_cue_are_realigned_from_the_pause_before_the_next_heard_word(monkeypatch):
    # Cue 0 ("gone", word 0) is not in the media; an unsubtitled line fills
    # 0.2-1.4 s, then a pause (1.4-1.6 s), then cue 1 ("here now") heard at 1.7 s.
    # Aligned together, "here" was pulled onto the line's end at 1.2 s.
    from srtmedia.pipeline.model import Cue, TimedWord
    from srtmedia.pipeline.timing import realign
    from srtmedia.pipeline.timing.chunks import Chunk

    calls = []

    class Aligner:
        def align(self, samples, tokens, offset=0.0):
            calls.append((offset, tokens))
            return [(offset + 0.1 + 0.3 * k, offset + 0.35 + 0.3 * k, 0.9) for k in range(len(tokens))]

    monkeypatch.setattr(realign, "shared_aligner", lambda: Aligner())
    energy = energy_with_pauses((1.4, 1.6, -60.0))
    asr = [RecognizedWord("here", 1.7, 2.0, 0.9), RecognizedWord("now", 2.0, 2.3, 0.9)]
    run = Run([Anchor(1, 0, 1.0, 1.7), Anchor(2, 1, 1.3, 2.0)], offset=0.7, ratio=1.0)
    cues = [Cue(0, 0.0, 0.9, "gone"), Cue(1, 1.0, 1.6, "here now")]
    timed = [TimedWord(0.2, 1.1, 0.5), TimedWord(1.2, 1.9, 0.5), TimedWord(2.0, 2.3, 0.5)]
    tokens = [["gone"], ["here"], ["now"]]
    realign.realign_past(timed, {0}, [Chunk(0, 2, 0.1, 3.0)], [run], tokens, asr, energy,
                        np.zeros(16000 * 5, np.float32), cues, [0, 1, 1])
    assert len(calls) == 1 and 1.4 <= calls[0][0] <= 1.6 and calls[0][1] == ["here", "now"]
    assert timed[1].start >= 1.5 and timed[0] == TimedWord(0.2, 1.1, 0.5)


def _run_on_case():
    """An unsubtitled line ("light travels", unmatched) runs on into cue 0 ("through many").

    Speech throughout: a stop's silent closure inside the line (0.9 s) and
    only a shallow dip where the line meets the cue (1.47-1.5 s).
    """
    energy = energy_with_pauses((0.9, 0.96, -60.0), (1.47, 1.5, -30.0))
    asr = [RecognizedWord("light", 1.0, 1.3, 0.9), RecognizedWord("travels", 1.3, 1.58, 0.9),
           RecognizedWord("through", 1.58, 1.9, 0.9), RecognizedWord("many", 1.9, 2.2, 0.9)]
    run = Run([Anchor(0, 2, 1.5, 1.5), Anchor(1, 3, 1.8, 1.8)], offset=0.0, ratio=1.0)
    return energy, asr, run


def test_a_chunk_that_another_line_runs_on_into_starts_where_the_two_meet_not_at_a_pause_inside_it():
    from srtmedia.pipeline.timing.realign import heard_before

    energy, asr, run = _run_on_case()
    assert plan_chunks(run, asr, energy, cue_of=[0, 0])[0].start < 1.0   # the closure inside the line
    after = heard_before(run.anchors[0], 0, asr, {2, 3}, [0, 0])
    assert after == pytest.approx(1.5)
    assert 1.45 <= plan_chunks(run, asr, energy, cue_of=[0, 0], after=after)[0].start <= 1.52


def test_words_heard_before_a_chunk_inside_a_cue_or_matched_are_not_another_line():
    from srtmedia.pipeline.timing.realign import heard_before

    _, asr, _ = _run_on_case()
    through = Anchor(1, 2, 1.5, 1.5)   # word 1, the first of cue 1 after cue 0's word 0
    assert heard_before(through, 1, asr, {2, 3}, [0, 1, 1]) == pytest.approx(1.5)
    assert heard_before(through, 1, asr, {2, 3}, [0, 0, 0]) is None       # mid-cue: a mishearing of its own
    assert heard_before(through, 1, asr, {1, 2, 3}, [0, 1, 1]) is None    # the word before was matched
    assert heard_before(through, 0, asr, {2, 3}, [0, 1, 1]) is None       # the chunk begins with unmatched words


def _stand_ins(energy, speech, first=20):
    """Cue 0 (``first`` words) and cue 1 (10 words) of one sentence, stood in for at their mapped
    times (0.35 s a word from 0.5 s, cue 1 0.2 s after): no recognised word says where the pause is."""
    energy.speech = speech
    energy.speech_starts = [s for s, _ in speech]
    lag = 0.1
    times = [0.5 + 0.35 * k for k in range(first)] + [0.7 + 0.35 * k for k in range(first, first + 10)]
    ends = times[1:first] + [times[first] - 0.2] + times[first + 1:] + [times[-1] + 0.35]
    asr = [RecognizedWord(f"w{k}", t + lag, e + lag, 0.0, source=k) for k, (t, e) in enumerate(zip(times, ends))]
    run = Run([Anchor(k, k, t, t) for k, t in enumerate(times)], offset=0.0, ratio=1.0)
    return plan_chunks(run, asr, energy, cue_of=[0] * first + [1] * 10)


@pytest.mark.parametrize("first", [20, 8])
def test_stand_in_cues_are_cut_at_a_commas_pause_that_voice_activity_detection_did_not_hear(first):
    # A comma between the cues: 0.18 s of silence ending where cue 1 starts, too short for a
    # gap in the voice activity regions. Left in one chunk, the aligner stretched cue 1's first
    # word back over it; with no recogniser's time for it, a chunk of 3 s (8 words) is cut too.
    boundary = 0.7 + 0.35 * first
    energy = energy_with_pauses((0.2, 0.4, -60.0), (boundary - 0.2, boundary - 0.02, -60.0), seconds=12.0)
    chunks = _stand_ins(energy, [(0.4, 11.3)], first)
    assert [c.first for c in chunks] == [0, first]
    assert boundary - 0.2 <= chunks[1].start <= boundary


def test_stand_in_cues_are_not_cut_at_a_stops_closure():
    # Only a stop's 60 ms closure near the mapped boundary: no pause between the cues.
    chunks = _stand_ins(energy_with_pauses((0.2, 0.4, -60.0), (7.6, 7.66, -60.0), seconds=12.0), [(0.4, 11.3)])
    assert [c.first for c in chunks] == [0]


def test_an_unmatched_first_word_heard_just_before_the_anchor_parts_the_cue_from_the_line_before():
    # "... to the minute." (a line the subtitles lack), then the cue "The sun came up":
    # "the" was heard but left unmatched, so the chunk starts with it, after "minute".
    from srtmedia.pipeline.timing.realign import first_heard, heard_before

    asr = [RecognizedWord("the", 0.4, 0.5, 0.9), RecognizedWord("minute", 0.5, 1.0, 0.9),
           RecognizedWord("the", 1.5, 1.6, 0.9), RecognizedWord("sun", 1.7, 2.0, 0.9)]
    asr_keys = ["the", "minute", "the", "sun"]
    anchor = Anchor(2, 3, 1.7, 1.7)
    keys, cue_of = ["it", "the", "sun"], [0, 1, 1]
    assert first_heard(anchor, 1, keys, asr_keys, {3}) == 2
    assert first_heard(anchor, 1, ["it", "a", "sun"], asr_keys, {3}) == 3
    assert heard_before(anchor, 1, asr, {3}, cue_of, keys, asr_keys) == pytest.approx(1.0 - 0.08)
    assert heard_before(anchor, 1, asr, {3}, cue_of) is None
    # Misheard ("the sun" for "A sun"), it still starts the cue: a pause in what was heard parts it
    # from the line before; with none, the word heard is that line's last.
    assert first_heard(anchor, 1, ["it", "a", "sun"], asr_keys, {3}, asr) == 2
    assert heard_before(anchor, 1, asr, {3}, cue_of, ["it", "a", "sun"], asr_keys) == pytest.approx(1.0 - 0.08)
    run_on = [RecognizedWord(w.text, w.start - (0.45 if k == 2 else 0.0), w.end, 0.9) for k, w in enumerate(asr)]
    assert first_heard(anchor, 1, ["it", "a", "sun"], asr_keys, {3}, run_on) == 3


def test_a_cue_first_word_glued_onto_the_cue_before_long_before_it_was_heard_is_pulled_early():
    from srtmedia.pipeline.model import TimedWord
    from srtmedia.pipeline.timing.realign import _pulled_early
    from srtmedia.pipeline.timing.chunks import Chunk

    asr = [RecognizedWord("himself", 1.0, 1.5, 0.9), RecognizedWord("now", 3.0, 3.3, 0.9),
           RecognizedWord("you", 3.6, 3.8, 0.9)]
    heard = {0: Anchor(0, 0, 1.0, 1.0), 1: Anchor(1, 1, 3.0, 3.0), 2: Anchor(2, 2, 3.6, 3.6)}
    glued = [TimedWord(1.0, 1.6, 0.9), TimedWord(1.6, 1.7, 0.9), TimedWord(3.6, 3.8, 0.9)]
    apart = [TimedWord(1.0, 1.6, 0.9), TimedWord(2.9, 3.2, 0.9), TimedWord(3.6, 3.8, 0.9)]
    chunk = Chunk(0, 2, 0.8, 4.0)
    assert _pulled_early(glued, chunk, heard, asr, [0, 1, 1]) == [1]
    assert _pulled_early(apart, chunk, heard, asr, [0, 1, 1]) == []
    assert _pulled_early(glued, chunk, heard, asr, [0, 0, 0]) == []


def test_a_cue_first_word_is_not_pulled_to_a_word_counted_back_from_its_anchor_among_more_words_heard():
    from srtmedia.pipeline.model import TimedWord
    from srtmedia.pipeline.timing.realign import _pulled_early
    from srtmedia.pipeline.timing.chunks import Chunk

    # "... kilometres | thick covered much": heard "kilometers it come a much", "much" the anchor.
    asr = [RecognizedWord(w, s, e, 0.9) for w, s, e in [("kilometers", 14.2, 14.7), ("it", 14.7, 15.2),
                                                         ("come", 15.2, 15.35), ("a", 15.35, 15.55),
                                                         ("much", 15.55, 15.7)]]
    heard = {0: Anchor(0, 0, 14.2, 14.2), 3: Anchor(3, 4, 15.55, 15.55)}
    timed = [TimedWord(14.2, 14.8, 0.9), TimedWord(14.8, 15.06, 0.9), TimedWord(15.07, 15.42, 0.9),
             TimedWord(15.42, 15.64, 0.9)]
    chunk = Chunk(0, 3, 13.0, 17.0)
    # Counted back two words from "much", "come" is taken for "thick": "it" before it runs on into it.
    assert _pulled_early(timed, chunk, heard, asr, [0, 1, 1, 1], {0, 4}) == []
    # Heard after a pause, "come a" are the cue's first two words, misheard.
    paused = asr[:2] + [RecognizedWord(w.text, w.start + 0.4, w.end + 0.4, 0.9) for w in asr[2:]]
    moved = {0: heard[0], 3: Anchor(3, 4, 15.95, 15.95)}
    assert _pulled_early(timed, chunk, moved, paused, [0, 1, 1, 1], {0, 4}) == [1]


def test_a_lone_word_heard_after_a_pause_before_a_cue_is_its_first_syllable_not_another_line():
    from srtmedia.pipeline.timing.realign import lone_after_pause

    # "needed." then a pause (1.0-1.6 s), then "We began" for "began": "We" is its first syllable.
    energy = energy_with_pauses((1.0, 1.6, -60.0))
    asr = [RecognizedWord("needed", 0.6, 1.0, 0.9), RecognizedWord("We", 1.68, 1.9, 0.4),
           RecognizedWord("began", 1.9, 2.2, 0.6)]
    assert lone_after_pause(asr, 1, energy)
    # A line the subtitles lack ("light travels", a stop's closure inside it) is not alone.
    _, line, _ = _run_on_case()
    assert not lone_after_pause(line, 1, energy_with_pauses((0.9, 0.96, -60.0)))
