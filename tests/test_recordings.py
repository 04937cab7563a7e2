"""Full runs on the committed recordings: a human reading and an mp3 of synthetic speech."""
import pytest

from srtmedia.pipeline import Options, run

import speech_fixtures

pytestmark = pytest.mark.slow


def test_human_reading_with_late_subtitles():
    fixture = speech_fixtures.librivox()
    result = run(fixture.subtitles, fixture.media, Options(threads=2))
    errors = speech_fixtures.cue_start_errors(result, fixture)
    for error, cue in zip(errors, fixture.cues):
        assert error <= max(0.1, cue["tolerance"]), (errors, cue)
    assert result["timing"]["offset"] == pytest.approx(fixture.offset, abs=0.3)
    assert all(c["found"] for c in result["cues"])


def test_sentence_missing_from_the_recording_is_reported():
    fixture = speech_fixtures.librivox(removed=True)
    result = run(fixture.subtitles, fixture.media, Options(threads=2))
    for got, want in zip(result["cues"], fixture.cues):
        if want["start"] is None:
            assert got["found"] is False, got
        else:
            assert got["found"] and abs(got["start"] - want["start"]) <= 0.1, (got, want)
    assert result["timing"]["cuts"] >= 1


def test_mp3_word_timings_match_the_reference():
    fixture = speech_fixtures.espeak_offset()
    result = run(fixture.subtitles, fixture.media, Options(threads=2))
    errors = [e for e in speech_fixtures.cue_start_errors(result, fixture) if e is not None]
    assert max(errors) <= 0.1, errors
    words = [w for p in result["paragraphs"] for s in p["sentences"] for w in s["words"]]
    refs = [w for w in fixture.words]
    assert len(words) == len(refs)
    word_errors = sorted(abs(got["start"] - ref["start"]) for got, ref in zip(words, refs)
                         if ref["start"] is not None)
    assert word_errors[len(word_errors) // 2] <= 0.03, word_errors
