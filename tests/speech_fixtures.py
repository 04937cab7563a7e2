"""The committed speech fixtures (tests/data/speech/) with their true times.

See tests/data/speech/README.md for where each file comes from.  Times are
seconds of media; a cue whose ``start`` is None is not spoken in the media.
"""
import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data" / "speech"


@dataclass
class SpeechFixture:
    media: Path
    subtitles: Path
    offset: float            # media = subtitles + offset (before any cut)
    cues: list               # [{"index", "text", "start", "end", "tolerance"}]
    words: list | None       # [{"text", "cue", "start", "end"}] when references exist


def espeak_offset():
    """~29 s of espeak-ng speech (mp3); its SRT is 2.0 s early. Word references included."""
    truth = json.loads((DATA / "espeak_offset.json").read_text(encoding="utf-8"))
    cues = [dict(c, tolerance=0.02) for c in truth["cues"]]
    return SpeechFixture(DATA / truth["media"], DATA / truth["subtitles"], truth["offset"],
                         cues, truth["words"])


def librivox(removed=False):
    """~25 s of a human reading (LibriVox, mp3); its SRT is 1.2 s late.

    With ``removed`` the SRT also has a sentence the media lacks (two cues
    with start None), and the cues after it are 8 s later still.
    """
    truth = json.loads((DATA / "librivox_austen.json").read_text(encoding="utf-8"))
    name = "librivox_austen_removed.srt" if removed else "librivox_austen.srt"
    srt = truth["srt"][name]
    return SpeechFixture(DATA / truth["media"], DATA / name, srt["offset"], srt["cues"], None)


def cue_start_errors(result, fixture):
    """Per cue: |result start - true start| in seconds, or None when not spoken.

    ``result`` is a pipeline result dict (its ``cues`` in file order).
    """
    out = []
    for got, want in zip(result["cues"], fixture.cues):
        out.append(None if want["start"] is None else abs(got["start"] - want["start"]))
    return out
