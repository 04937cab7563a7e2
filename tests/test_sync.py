"""The timing model: offset, ratio and cuts recovered from anchors."""
import pytest

from srtmedia.pipeline.sync import Anchor, contradicts, cue_edges, describe, find_runs, match_anchors


def _anchors(mapping, n=120, spacing=0.5):
    """Anchors for subtitle times 0, spacing, ... mapped by ``mapping`` (None = not in media)."""
    out = []
    for k in range(n):
        t = k * spacing
        m = mapping(t)
        if m is not None:
            out.append(Anchor(k, len(out), t, m))
    return out


def test_constant_offset():
    ratio, runs = find_runs(_anchors(lambda t: t - 7.3))
    assert ratio == 1.0 and len(runs) == 1
    assert runs[0].offset == pytest.approx(-7.3, abs=1e-6)


@pytest.mark.parametrize("true_ratio", [25 / 23.976, 23.976 / 25, 25 / 24, 29.97 / 30])
def test_speed_ratio(true_ratio):
    ratio, runs = find_runs(_anchors(lambda t: true_ratio * t + 2.0, n=400))
    assert ratio == pytest.approx(true_ratio, rel=1e-4)
    assert len(runs) == 1


def test_inserted_break_splits_into_two_segments():
    ratio, runs = find_runs(_anchors(lambda t: t + 1.0 if t < 30 else t + 46.0))
    assert len(runs) == 2
    assert [round(r.offset, 3) for r in runs] == [1.0, 46.0]
    timing = describe(ratio, runs, 60.0)
    assert timing["cuts"] == 1 and timing["segments"][1]["start"] == pytest.approx(30.0)


def test_stray_matches_do_not_make_segments():
    anchors = _anchors(lambda t: t + 3.0)
    anchors.insert(50, Anchor(50, 10_000, anchors[50].sub_time, 500.0))  # a chance match far away
    _, runs = find_runs(anchors)
    assert len(runs) == 1


def test_match_anchors_follows_order_and_skips_sound_words():
    sub = ["hello", "", "world", "again"]
    asr = ["um", "hello", "world", "again"]
    anchors = match_anchors(sub, [0, 1, 2, 3], asr, [5.0, 6.0, 7.0, 8.0])
    assert [(a.sub, a.asr) for a in anchors] == [(0, 1), (2, 2), (3, 3)]


def test_other_words_heard_in_full_contradict_the_subtitle_words():
    said = "the advice is almost boring in its simplicity".split()
    assert contradicts(said, "are you tired of slowing do not switch to rocket".split())
    # Mishearings of the right words, or a recogniser that heard little, do not.
    assert not contradicts("the yeast eats the sugars".split(), "e steats nachogas in the".split())
    assert not contradicts(said, "and the most".split())
    assert not contradicts(["if"], ["of"])


def test_runs_take_in_the_unmatched_words_of_their_edge_cues():
    from srtmedia.pipeline.model import Cue, SubWord
    from srtmedia.pipeline.sync import Run, estimate_word_times

    cues = [Cue(0, 1.0, 3.0, "rivers are another thing"), Cue(1, 4.0, 6.0, "we take for granted")]
    words = [SubWord(k, w, 0 if k < 4 else 1) for k, w in enumerate("rivers are another thing we take for granted".split())]
    times = estimate_word_times(words, cues)
    # Whisper missed "rivers are" and "granted"; the run's offset is +10 s.
    run = Run([Anchor(k, k, times[k], times[k] + 10) for k in range(2, 7)], 10.0, 1.0)
    [(lead, lead_at, tail, tail_at)] = cue_edges([run], run.anchors, words, cues, times)
    assert (lead, tail) == (0, 7)
    assert lead_at == pytest.approx(11.0) and tail_at == pytest.approx(16.0)


def test_a_ratio_that_only_drifts_slowly_away_does_not_win_by_one_anchor():
    # The true line drops the first (stray) anchor; 25/24 would keep it, since
    # split_runs follows a slow drift, while missing every other anchor by seconds.
    anchors = _anchors(lambda t: 23.976 / 24 * t + 2.0, n=300)
    anchors[0].media_time -= 0.62
    ratio, runs = find_runs(anchors)
    assert ratio == pytest.approx(23.976 / 24, rel=2e-3)
    assert abs(runs[0].media_time(100.0) - (23.976 / 24 * 100 + 2.0)) < 0.2
