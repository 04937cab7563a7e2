"""Write short spoken talks for the browser tests with espeak-ng, and their subtitles.

talk.wav with talk.srt, 1.5 s late as if the video had been edited, and the
same subtitles as talk.ass with two styles and a positioned sign; cut.wav with
cut.srt, where the media has a BREAK-second pause the subtitles know nothing
of after the third phrase (an advert cut out of the subtitles' master), and
the subtitles have a line after the fifth phrase that nobody says.
Prints the paths as JSON, with the break's length and where it starts in the media.
"""
import json
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path[:0] = [os.path.join(ROOT, "tests"), ROOT]

import numpy as np  # noqa: E402
import pysubs2  # noqa: E402
from conftest import GAP, PHRASES, srt_text, synthesize, write_wav  # noqa: E402

from srtmedia.pipeline.audio.media import SAMPLE_RATE  # noqa: E402

LATE = 1.5
BREAK = 6.0
BREAK_AFTER = 3
UNSPOKEN = "Nobody ever says these seven words aloud."


def talk(phrases, late=0.0, break_after=None):
    """(audio, cues): the phrases spoken with a pause between, cue times ``late`` seconds late.

    With ``break_after``, BREAK seconds of faint noise follow that many phrases in
    the audio only.
    """
    pieces, cues, t = [np.zeros(SAMPLE_RATE, np.float32)], [], 1.0
    noise = np.random.default_rng(13)
    for k, phrase in enumerate(phrases):
        if k == break_after:
            pieces.append((noise.standard_normal(int(BREAK * SAMPLE_RATE)) * 0.003).astype(np.float32))
        audio = synthesize(phrase)
        cues.append((t + late, t + late + len(audio) / SAMPLE_RATE, phrase))
        pieces += [audio, np.zeros(int(GAP * SAMPLE_RATE), np.float32)]
        t += len(audio) / SAMPLE_RATE + GAP
    return np.concatenate(pieces), cues


def styled(srt):
    """The SRT as an ASS script: a second style, a positioned first line, italics."""
    subs = pysubs2.SSAFile.from_string(srt, format_="srt")
    subs.styles["Sign"] = pysubs2.SSAStyle(fontname="Georgia", fontsize=28, alignment=pysubs2.Alignment.TOP_CENTER)
    subs.info["Title"] = "Browser test talk"
    subs.events[0].style = "Sign"
    subs.events[0].text = "{\\pos(320,40)}" + subs.events[0].text
    subs.events[1].text = "{\\i1}" + subs.events[1].text + "{\\i0}"
    return subs.to_string("ass")


def main(folder):
    paths = {name: os.path.join(folder, name) for name in ("talk.wav", "talk.srt", "talk.ass", "cut.wav", "cut.srt")}
    audio, cues = talk(PHRASES[:4], late=LATE)
    write_wav(paths["talk.wav"], audio)
    for name, text in (("talk.srt", srt_text(cues)), ("talk.ass", styled(srt_text(cues)))):
        with open(paths[name], "w", encoding="utf-8") as out:
            out.write(text)
    audio, cues = talk(PHRASES, break_after=BREAK_AFTER)
    end = cues[4][1]
    cues.insert(5, (end + 0.05, end + 0.65, UNSPOKEN))
    write_wav(paths["cut.wav"], audio)
    with open(paths["cut.srt"], "w", encoding="utf-8") as out:
        out.write(srt_text(cues))
    print(json.dumps({"wav": paths["talk.wav"], "srt": paths["talk.srt"], "ass": paths["talk.ass"],
                      "cut_wav": paths["cut.wav"], "cut_srt": paths["cut.srt"], "break": BREAK,
                      "cut_at": cues[BREAK_AFTER][0]}))


if __name__ == "__main__":
    main(sys.argv[1])
