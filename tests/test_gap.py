"""Words around a cut: what counts as said when a cue is tried beside its neighbours."""
import numpy as np

from srtmedia.pipeline.model import Cue, TimedWord
from srtmedia.pipeline.text.words import words_from_cues
from srtmedia.pipeline.timing.gap import Gap
from srtmedia.pipeline.timing.said import alike_part, plausible_lengths, voiced_enough
from srtmedia.pipeline.timing.sync import Anchor, Run


def test_a_short_word_in_a_line_is_said_but_a_squeezed_line_is_not():
    # "Public libraries are a surprisingly radical idea": "a" took 50 ms.
    assert plausible_lengths([0.35, 0.5, 0.12, 0.05, 0.6, 0.4, 0.35])
    # The aligner's least time for every word: squeezed into a pause.
    assert not plausible_lengths([0.04, 0.05, 0.04, 0.05, 0.04])
    assert not plausible_lengths([0.3, 0.02, 0.4])
    assert not plausible_lengths([0.3, 2.1, 0.4])


def test_one_short_word_stretched_into_a_commas_pause_does_not_unsay_its_line():
    # "Birds seem to use the position of the sun, the pattern of the stars,"
    # after a break: the "the" after "sun," lay 62 % on the comma's pause.
    voiced = [0.89, 1.0, 0.77, 1.0, 0.91, 0.91, 1.0, 1.0, 1.0, 0.38, 0.81, 1.0, 1.0, 0.86]
    assert voiced_enough(voiced, [0.3] * len(voiced))
    # Squeezed into a pause, most words lie on silence.
    assert not voiced_enough([0.3, 0.9, 0.2, 0.35, 0.9], [0.3] * 5)
    # A short line has no word to spare.
    assert not voiced_enough([0.9, 0.3, 0.9], [0.3] * 3)
    # Each word over half on sound, but most of the time tried on silence.
    assert not voiced_enough([0.9, 0.5, 0.5, 0.5, 0.5], [0.1, 0.5, 0.5, 0.5, 0.5])


def _gap(heard_at):
    cues = [Cue(0, 10.0, 12.0, "one two three"), Cue(1, 12.5, 14.0, "four five six")]
    words = words_from_cues(cues)
    gap = Gap(np.zeros(16000, np.float32), words, cues, [w.text for w in words], [[w.text] for w in words],
              None, [], [])
    gap.heard_at = heard_at
    return gap, Run(anchors=[Anchor(4, 0, 13.0, heard_at[4])], offset=2.0, ratio=1.0)


def test_words_realigned_onto_where_they_were_said_may_move():
    # Cue 1 is said at 14.5-16 (its cue start mapped: 14.5; "five" heard at 15.0).
    gap, run = _gap({4: 15.0})
    placed = [TimedWord(None, None, 0.0)] * 3 + [TimedWord(13.9, 14.3, 0.9), TimedWord(14.3, 14.8, 0.9)]
    moved = [TimedWord(None, None, 0.0)] * 3 + [TimedWord(14.5, 14.9, 0.9), TimedWord(14.95, 15.3, 0.9)]
    assert gap._moved_to_place(placed, moved, [3, 4], run)
    # Moved away from there, they were pushed off their audio by the words tried.
    assert not gap._moved_to_place(moved, placed, [3, 4], run)


def test_a_poorly_heard_line_is_alike_its_words_and_another_line_is_not():
    from srtmedia.pipeline.timing.sync import alike
    said = "but television in many countries runs at twenty five".split()
    assert alike(said, "but tell me on a minute come train run at 25".split())
    assert not alike(said, "we will come back to that point before the end".split())


def _heard_over(cue_text, matched, heard_text):
    """Gap.heard_as_other for one cue aligned at 20-23 s where ``heard_text`` was recognised."""
    from srtmedia.pipeline.audio.speech import RecognizedWord

    cues = [Cue(0, 20.0, 23.0, cue_text)]
    words = words_from_cues(cues)
    keys = [w.text.lower().strip(".,;") for w in words]
    heard = heard_text.split()
    asr = [RecognizedWord(k, 20.2 + 0.25 * n, 20.4 + 0.25 * n, 0.9) for n, k in enumerate(heard)]
    gap = Gap(np.zeros(16000, np.float32), words, cues, keys, [[k] for k in keys], None, asr, heard)
    timed = [TimedWord(20.0 + 0.3 * n, 20.25 + 0.3 * n, 0.9) for n in range(len(words))]
    return gap.heard_as_other(timed, matched)


def test_a_cue_whose_one_matched_word_is_a_the_of_other_speech_is_not_there():
    said = "The queen does not give orders; she simply lays eggs."
    other = "the angle of the dance tells the others which direction to fly"
    assert _heard_over(said, set(), other) == list(range(10))
    # One "the" matched in the next line's speech is chance: still not there.
    assert _heard_over(said, {0}, other) == list(range(10))
    # Two matched words are evidence it was said, as is one of a three-word cue.
    assert _heard_over(said, {0, 5}, other) == []
    assert _heard_over("the queen rules", {0}, other) == []
    # Heard as its own words, it is there.
    assert _heard_over(said, set(), "the queen does not give orders she simply lays eggs") == []


def _said(text, start, step=0.3):
    return [(start + n * step, start + n * step + 0.25, w) for n, w in enumerate(text.split())]


def test_a_line_said_just_after_an_advert_is_found_at_the_end_of_its_stretch():
    advert = ("sonic shores travel has hundreds of last minute views to beaches mountains and city halls "
              "all over the world your adventure starts here")
    line = "and that as always is where the real work begins".split()
    n = len(advert.split())
    heard = _said(advert, 26.5) + _said("and that i'm always is when the real work begins", 26.5 + n * 0.3 + 0.45)
    assert alike_part(heard, line) == (heard[n][0], heard[-1][1])
    # With the advert's last phrase (after a pause) the line is alike too, but less.
    last = heard[:n - 3] + [(s + 0.3, e + 0.3, k) for s, e, k in heard[n - 3:]]
    assert alike_part(last, line) == (last[n][0], last[-1][1])
    # Another line is not found in it, and a line heard alone is the whole stretch.
    assert alike_part(heard, "birds seem to use the position of the sun".split()) is None
    alone = heard[n:]
    assert alike_part(alone, line) == (alone[0][0], alone[-1][1])


def _placed_over(audio, said, other):
    """A Gap over ``audio`` with two cues, ``said`` and ``other``, each aligned over all of it."""
    from srtmedia.pipeline.timing.forced import tokens_for

    cues = [Cue(0, 0.0, 3.0, said), Cue(1, 3.0, 6.0, other)]
    words = words_from_cues(cues)
    keys = [w.text.lower().strip(".,;") for w in words]
    gap = Gap(np.pad(audio, 1600), words, cues, keys, [tokens_for(k) for k in keys], None, [], [])
    end = 0.2 + len(audio) / 16000
    timed = [TimedWord(0.1, 0.3, 0.9) if i in (0, 9) else TimedWord(end - 0.3, end - 0.1, 0.9)
             for i in range(len(words))]
    return gap, timed


def test_words_aligned_onto_other_speech_do_not_sound_said():
    from conftest import synthesize

    said = "Merchants worried that a zero could easily be changed"
    audio = synthesize(said)
    gap, timed = _placed_over(audio, said, "Had he married a more amiable woman")
    assert gap._sounds_said(timed, list(range(9)))
    # Another line's words fit this speech no better than noise: not said there.
    assert not gap._sounds_said(timed, list(range(9, 16)))


def test_where_confirmed_lines_fit_poorly_a_tried_line_may_too():
    # A rough recording or another language: even the lines the recogniser
    # confirmed fit 2.0 nats a frame worse than a phone loop, so a tried line's 2.9 is no sign it was not said.
    cues = [Cue(k, 2.0 * k, 2.0 * k + 1.5, text) for k, text in enumerate(["one two", "three four", "five six"])]
    words = words_from_cues(cues)
    keys = [w.text for w in words]
    gap = Gap(np.zeros(16000, np.float32), words, cues, keys, [[k] for k in keys], None, [], [])
    timed = [TimedWord(2.0 * (i // 2) + 0.6 * (i % 2), 2.0 * (i // 2) + 0.6 * (i % 2) + 0.5, 0.9) for i in range(6)]
    fits = {0: 2.0, 2: 2.9, 4: 2.0}   # by first word: cues 0 and 2 confirmed, cue 1 tried
    gap._fit = lambda timed, members: fits[members[0]]
    gap.heard_at = {0: 0.0, 1: 0.6, 4: 4.0, 5: 4.6}
    assert gap._sounds_said(timed, [2, 3])
    # Where the confirmed lines fit well, the same fit says the tried line is not there.
    fits.update({0: 0.8, 4: 0.8})
    gap.fits.clear()
    assert not gap._sounds_said(timed, [2, 3])


def test_the_cues_next_to_the_side_that_sound_said_are_kept_without_an_unsaid_one_beyond():
    cues = [Cue(k, 2.0 * k, 2.0 * k + 1.5, text) for k, text in enumerate(["one two", "three four", "five six"])]
    words = words_from_cues(cues)
    keys = [w.text for w in words]
    gap = Gap(np.zeros(16000, np.float32), words, cues, keys, [[k] for k in keys], None, [], [])
    gap._sounds_said = lambda timed, members: members[0] != 0   # cue 0 is not said
    # Tried before the run after the cut: cues 1 and 2 lie next to it, cue 0 beyond them.
    assert gap._said_part([], list(range(6)), inner_first=False) == [2, 3, 4, 5]
    # Tried after the run before the cut, cue 0 is next to it: nothing is kept.
    assert gap._said_part([], list(range(6)), inner_first=True) == []
    # Tried alone, all or nothing.
    assert gap._said_part([], list(range(6)), inner_first=None) == []
    assert gap._said_part([], [2, 3, 4, 5], inner_first=None) == [2, 3, 4, 5]
