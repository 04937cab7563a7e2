"""Recognising only the speech the timing needs (pipeline/timing/sampling.py).

A fake recogniser hears, in the stretches it is asked for, the subtitle
words at their true media times (or an advert's words), so these tests
show which stretches the plan listens to and where it puts the rest.
"""
import random

import pytest

from srtmedia.pipeline.audio.speech import RecognizedWord
from srtmedia.pipeline.text.subtitles import read_subtitles
from srtmedia.pipeline.text.words import words_from_cues
from srtmedia.pipeline.timing import sampling, sync

CUES = 240
CUT_AT = 120          # cues from here on lie after a stretch removed from the media
REMOVED = range(120, 124)
REMOVED_SECONDS = 12.0
BREAK_AT = 75         # a 40 s break is inserted before this cue: 35 s of it an advert no cue has


def _srt(path):
    """CUES cues of 1.5-4 s with pauses of 0.3-2 s between them (speech has no fixed rhythm)."""
    rng = random.Random(7)
    blocks, start = [], 2.0
    for k in range(CUES):
        length = rng.uniform(1.5, 4.0)
        text = " ".join(f"w{k}x{n}" for n in range(int(length * 2)))
        blocks.append(f"{k + 1}\n{_ts(start)} --> {_ts(start + length)}\n{text}\n")
        start += length + rng.uniform(0.3, 2.0)
    path.write_text("\n".join(blocks))
    return path


def _ts(t):
    ms = int(round(t * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def media_time(cue, sub_time):
    """The truth: +5 s, a 40 s break inserted before cue BREAK_AT, and cues REMOVED cut out of the media."""
    shift = 5.0 + (40.0 if cue >= BREAK_AT else 0.0) - (REMOVED_SECONDS if cue >= CUT_AT else 0.0)
    return sub_time + shift


@pytest.fixture()
def programme(tmp_path):
    cues = read_subtitles(_srt(tmp_path / "subs.srt"))
    words = words_from_cues(cues)
    times = sync.estimate_word_times(words, cues)
    said = [(w, media_time(w.cue_index, times[w.id])) for w in words if w.cue_index not in REMOVED]
    speech = [(media_time(k, c.start), media_time(k, c.end)) for k, c in enumerate(cues) if k not in REMOVED]
    advert_at = media_time(BREAK_AT - 1, cues[BREAK_AT - 1].end) + 2.0
    advert = [(f"ad{n}", advert_at + 0.5 * n) for n in range(70)]
    speech = sorted(speech + [(advert_at, advert_at + 35.0)])

    def recognise(regions, done, share):
        inside = lambda t: any(s - 0.05 <= t <= e for s, e in regions)
        heard = [RecognizedWord(w.text, t + sync.WHISPER_LAG, t + 0.3, 0.9) for w, t in said if inside(t)]
        heard += [RecognizedWord(text, t, t + 0.3, 0.9) for text, t in advert if inside(t)]
        return sorted(heard, key=lambda w: w.start)

    duration = speech[-1][1] + 5.0
    return cues, words, times, speech, recognise, advert_at, duration


def test_a_sample_of_the_speech_is_recognised_and_the_rest_stood_in_for(programme):
    cues, words, times, speech, recognise, advert_at, duration = programme
    heard = sampling.Plan(words, cues, duration).listen(speech, recognise)
    assert len(heard.recognised) < 0.6 * heard.clips
    stand_ins = {w.source: w for w in heard.words if not w.heard}
    real = [w for w in heard.words if w.heard]
    assert len(stand_ins) > len(words) / 3
    # Every word in the media is heard or stood in for, at about its true time.
    heard_texts = {w.text for w in real}
    for w in words:
        if w.cue_index in REMOVED:
            assert w.id not in stand_ins, f"{w.text} is not in the media"
            continue
        assert w.id in stand_ins or w.text.lower() in heard_texts, f"{w.text} missing"
        if w.id in stand_ins:
            at = stand_ins[w.id].start - sync.WHISPER_LAG
            assert abs(at - media_time(w.cue_index, times[w.id])) < 0.05, w.text


def test_cuts_and_breaks_are_listened_to(programme):
    cues, words, times, speech, recognise, advert_at, duration = programme
    heard = sampling.Plan(words, cues, duration).listen(speech, recognise)

    def recognised(t):
        return any(s - 1.0 <= t <= e + 1.0 for s, e in heard.recognised)

    # Both sides of the removed stretch and the whole advert break were recognised.
    assert recognised(media_time(CUT_AT - 1, cues[CUT_AT - 1].end))
    assert recognised(media_time(CUT_AT, cues[CUT_AT].start))
    assert recognised(media_time(BREAK_AT - 1, cues[BREAK_AT - 1].end))
    assert recognised(media_time(BREAK_AT, cues[BREAK_AT].start))
    assert all(recognised(advert_at + t) for t in (1.0, 17.0, 34.0))


def test_cuts_between_sampled_clips_are_found_by_bisection(programme):
    cues, words, times, speech, recognise, advert_at, duration = programme
    heard = sampling.Plan(words, cues, duration).listen(speech, recognise)
    assert heard.rounds > 2
    assert len(heard.recognised) < 0.7 * heard.clips
    for w in heard.words:
        if not w.heard:
            truth = media_time(words[w.source].cue_index, times[w.source])
            assert abs(w.start - sync.WHISPER_LAG - truth) < 0.05, words[w.source].text
    assert not any(w.source is not None and words[w.source].cue_index in REMOVED for w in heard.words)


def test_a_short_file_is_recognised_whole(programme):
    cues, words, times, speech, recognise, advert_at, duration = programme
    heard = sampling.Plan(words, cues, duration, min_seconds=10_000).listen(speech, recognise)
    assert all(w.heard for w in heard.words)
    assert len(heard.recognised) == heard.clips and heard.rounds == 1


def test_stride_one_recognises_everything(programme):
    cues, words, times, speech, recognise, advert_at, duration = programme
    heard = sampling.Plan(words, cues, duration, stride=1).listen(speech, recognise)
    assert all(w.heard for w in heard.words) and heard.rounds == 1


def test_a_long_file_gets_a_first_round_of_limited_size_and_still_finds_its_cuts(programme):
    cues, words, times, speech, recognise, advert_at, duration = programme
    asked = []

    def counting(regions, done, share):
        asked.append(regions)
        return recognise(regions, done, share)

    capped = sampling.Plan(words, cues, duration, first_round=6).listen(speech, counting)
    first_round = len(sampling.pack_clips(asked[0]))
    whole = sampling.Plan(words, cues, duration, first_round=0).listen(speech, recognise)
    assert first_round <= 6 + 2       # plus the first and last clips
    assert len(capped.recognised) < len(whole.recognised)
    for w in capped.words:
        if not w.heard:
            truth = media_time(words[w.source].cue_index, times[w.source])
            assert abs(w.start - sync.WHISPER_LAG - truth) < 0.05, words[w.source].text
    assert not any(w.source is not None and words[w.source].cue_index in REMOVED for w in capped.words)
