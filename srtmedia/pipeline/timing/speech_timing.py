"""The ``aligning`` stage without words: cues placed from the timing of speech.

Used when the subtitle words cannot be matched to recognised words (a
language the recogniser does not know, or a translation). The map from
``activity`` moves each cue; then a cue start that has exactly one speech
onset near it (voice activity starting after a pause) is put on that onset,
at the first frame whose sound rises clear of the pause. Words get times
spread over their cue by characters, then, in a language espeak-ng speaks,
their own times by forced alignment inside the cue (``words_in_cues``).
"""
import bisect
from dataclasses import dataclass, field

import numpy as np

from srtmedia.pipeline.timing import activity
from srtmedia.pipeline.audio.media import SAMPLE_RATE, as_float
from srtmedia.pipeline.model import TimedWord

ONSET_REACH = 0.4     # seconds around a mapped cue start searched for its speech onset
VAD_PAD = 0.06        # seconds of padding voice activity detection puts before speech
EARLY_SOUND = 0.15    # seconds before voice activity starts that its first sound may lie
HOP = 0.005           # seconds per energy frame
RISE_DB = 12.0        # dB over the pause's floor where the sound of speech begins
SPAN_DB = 35.0        # ... and no more than this under the loudest of its first 300 ms
PAUSE_HOP = 0.01      # seconds per frame when looking for pauses inside voice activity
PAUSE_DB = 25.0       # dB under a region's loud frames (90th percentile) that is a pause
MIN_PAUSE = 0.15      # seconds of such quiet that make a pause (voice activity's own minimum silence)
SNAP_FLOOR = 0.06     # seconds an onset may always lie from where its segment's others do
MIN_CUE = 0.3         # seconds a cue keeps after its start moved onto an onset
PLACED_BY = "speech timing"


@dataclass
class CueTime:
    start: float
    end: float
    found: bool
    on_onset: bool = False    # the start was put on a speech onset


@dataclass
class SpeechAlignment:
    """What the stage found; the fields ``assemble.build_result`` reads, as ``align.Alignment`` has."""

    words: list               # TimedWord per subtitle word
    ratio: float
    runs: list
    anchors: int
    heard: list               # True for the words of cues found on speech
    timing: dict
    cue_times: list           # CueTime per cue
    warnings: list = field(default_factory=list)


def align_by_speech(audio, words, cues, speech, language=None):
    """Time the cues of ``words`` from the ``speech`` regions of ``audio``; return a SpeechAlignment.

    With ``language`` (one espeak-ng speaks), each placed cue's words are then
    force-aligned in its audio (``words_in_cues``); without, or where that
    fails, they are spread over their cue.
    """
    duration = len(audio) / SAMPLE_RATE
    spans = [(c.start, c.end) for c in cues]
    speech_map = activity.fit_map(speech, spans, duration, [sound_onset(audio, start) for start, _ in speech],
                                  pauses=quiet_pauses(audio, speech))
    cue_times = place_cues(speech_map, spans, speech, duration, audio)
    timed, heard = word_times(words, cues, cue_times)
    warnings = []
    if language:
        timed, warnings = _aligned_words(audio, words, cue_times, language, timed)
    return SpeechAlignment(timed, speech_map.ratio, [], 0, heard, describe(speech_map, cues), cue_times,
                           warnings)


def _aligned_words(audio, words, cue_times, language, spread):
    """``spread`` with each word force-aligned where that worked; and the warnings on the rest."""
    from srtmedia.pipeline.timing.words_in_cues import align_in_cues, can_align, speech_matches

    if not can_align(language):
        return spread, [f"espeak-ng does not speak {language!r}: word times are spread over each cue, "
                        "not heard one by one"]
    aligned = align_in_cues(audio, words, cue_times, language)
    if not speech_matches(aligned, words, cue_times, language):
        return spread, [f"the words of the subtitles do not fit the speech as {language!r} words (a translation?): "
                        "word times are spread over each cue, not heard one by one"]
    missed = sorted({w.cue_index + 1 for w, a in zip(words, aligned)
                     if a is None and not w.sound and cue_times[w.cue_index].found})
    timed = [a or t for a, t in zip(aligned, spread)]
    if not missed:
        return timed, []
    shown = ", ".join(map(str, missed[:10])) + (", ..." if len(missed) > 10 else "")
    return timed, [f"the words of cue(s) {shown} could not be aligned in their audio: "
                   "their times are spread over the cue"]


def place_cues(speech_map, spans, speech, duration, audio=None):
    """A CueTime per cue span: mapped, then its start put on its speech onset where that is unambiguous.

    Unambiguous: the only onset near the mapped start, and no further from it
    than the other cues of its segment are from theirs (give or take their
    scatter). Precise subtitles then stay on the map, whose offset already
    rests on the onsets, and an onset inside a sentence (a breath after a
    comma) cannot pull one cue away; hand-timed ones, which scatter, move.
    """
    signal = activity.SpeechSignal(speech, duration)
    onsets = [start for start, _ in speech]
    mapped = [(speech_map.media_time(i, s), speech_map.media_time(i, max(s, e))) for i, (s, e) in enumerate(spans)]
    found = [i not in speech_map.dropped and activity.cover_share(signal, at, until) >= activity.MIN_COVER
             for i, (at, until) in enumerate(mapped)]
    lone = {i: unambiguous_onset(onsets, mapped[i][0]) for i in range(len(spans)) if found[i]}
    sounds = {i: sound_onset(audio, onset) if audio is not None else onset + VAD_PAD
              for i, onset in lone.items() if onset is not None}
    snapped = _consistent(sounds, mapped, speech_map.segments)
    out, previous = [], -np.inf
    for i, (at, until) in enumerate(mapped):
        if i in snapped and sounds[i] > previous:
            out.append(CueTime(round(sounds[i], 3), round(max(until, sounds[i] + MIN_CUE), 3), True, True))
        else:
            out.append(CueTime(round(at, 3), round(until, 3), found[i]))
        previous = out[-1].start
    return out


def _consistent(sounds, mapped, segments):
    """The cues whose onset lies about as far from their mapped start as their segment's others do."""
    kept = set()
    for segment in segments:
        cues = [i for i in range(segment.first, segment.last + 1) if i in sounds]
        gaps = np.array([sounds[i] - mapped[i][0] for i in cues])
        if not len(gaps):
            continue
        middle = float(np.median(gaps))
        scatter = 1.4826 * float(np.median(np.abs(gaps - middle)))  # a robust standard deviation
        kept.update(i for i, gap in zip(cues, gaps) if abs(gap - middle) <= max(SNAP_FLOOR, 3 * scatter))
    return kept


def quiet_pauses(audio, speech):
    """Pauses in the sound inside the ``speech`` regions: [(start, end)] seconds.

    Silero's voice probability stays up through a reader's breath between
    sentences; the sound does not: PAUSE_DB under the region's loud frames
    for MIN_PAUSE or longer, not at the region's edges, is a pause.
    """
    hop = int(PAUSE_HOP * SAMPLE_RATE)
    shortest = int(round(MIN_PAUSE / PAUSE_HOP))
    pauses = []
    for start, end in speech:
        first = int(start * SAMPLE_RATE)
        frames = (int(end * SAMPLE_RATE) - first) // hop
        if frames < 3 * shortest:
            continue
        block = as_float(audio[first:first + frames * hop]).reshape(frames, hop).astype(np.float64)
        level = 10 * np.log10(np.mean(block ** 2, axis=1) + 1e-12)
        quiet = np.concatenate([[False], level < np.percentile(level, 90) - PAUSE_DB, [False]])
        edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
        pauses += [(start + a * PAUSE_HOP, start + b * PAUSE_HOP) for a, b in zip(edges[::2], edges[1::2])
                   if b - a >= shortest and a > 0 and b < frames]
    return pauses


def unambiguous_onset(onsets, at, reach=ONSET_REACH):
    """The one speech onset within ``reach`` of ``at``, or None when there are none or several."""
    lo, hi = bisect.bisect_left(onsets, at - reach - VAD_PAD), bisect.bisect_right(onsets, at + reach - VAD_PAD)
    return onsets[lo] if hi - lo == 1 else None


def sound_onset(audio, vad_start):
    """Where speech that voice activity detection starts at ``vad_start`` first sounds.

    The first frame after the pause that rises RISE_DB over the pause's floor
    and lies within SPAN_DB of the loudest of the next 300 ms.
    """
    hop = int(HOP * SAMPLE_RATE)
    begin = max(0, int((vad_start - 0.4) * SAMPLE_RATE))
    window = as_float(audio[begin:int((vad_start + VAD_PAD + 0.3) * SAMPLE_RATE)])
    frames = len(window) // hop
    if frames < 10:
        return vad_start + VAD_PAD
    level = 10 * np.log10(np.mean(window[:frames * hop].reshape(frames, hop).astype(np.float64) ** 2, axis=1) + 1e-12)
    # Voice activity can start after a soft first sound (a voiced fricative): look from a little before it.
    search = max(1, int((vad_start - begin / SAMPLE_RATE - EARLY_SOUND) / HOP))
    floor = np.percentile(level[:max(1, search)], 20)
    threshold = max(floor + RISE_DB, level[search:].max() - SPAN_DB)
    above = np.flatnonzero(level[search:] >= threshold)
    return begin / SAMPLE_RATE + (search + above[0]) * HOP if len(above) else vad_start + VAD_PAD


def word_times(words, cues, cue_times):
    """TimedWords spread over each cue by characters, and whether each word's cue was found."""
    members = {}
    for w in words:
        members.setdefault(w.cue_index, []).append(w)
    timed, heard = [TimedWord(None, None, 0.0) for _ in words], [False] * len(words)
    for cue_index, own in members.items():
        place = cue_times[cue_index]
        total = sum(len(w.text) + 1 for w in own) or 1
        seen = 0
        for w in own:
            begin = place.start + (place.end - place.start) * seen / total
            seen += len(w.text) + 1
            finish = place.start + (place.end - place.start) * (seen - 1) / total
            timed[w.id] = TimedWord(round(begin, 3), round(max(begin, finish), 3), 0.0)
            heard[w.id] = place.found and not w.sound
    return timed, heard


def describe(speech_map, cues):
    """The result's ``timing`` block, shaped as ``sync.describe``'s: segments in subtitle time.

    Offsets closer than a cut (``mapping.MIN_CUT``) are reported as one segment.
    """
    sub_end = max((c.end for c in cues), default=0.0)
    shown = []
    for segment in speech_map.segments:
        if shown and abs(segment.offset - shown[-1][2]) < activity.MIN_CUT:
            shown[-1][1] = segment.last
        else:
            shown.append([segment.first, segment.last, segment.offset])
    segments = []
    for k, (first, last, offset) in enumerate(shown):
        start = 0.0 if k == 0 else cues[first].start
        end = sub_end if k == len(shown) - 1 else cues[shown[k + 1][0]].start
        kept = [i for i in range(first, last + 1) if i not in speech_map.dropped]
        segments.append({"start": round(start, 3), "end": round(max(start, end), 3), "offset": round(offset, 3),
                         "ratio": round(speech_map.ratio, 6), "anchors": 0, "cues": len(kept)})
    main = max(segments, key=lambda s: s["cues"], default={"offset": 0.0})
    return {"offset": main["offset"], "ratio": round(speech_map.ratio, 6), "segments": segments,
            "cuts": len(segments) - 1, "method": PLACED_BY}
