"""Write a short spoken talk for the browser tests: talk.wav (espeak-ng) and talk.srt, its subtitles.

The subtitles are 1.5 s late, as if the video had been edited, so the result's
times differ from the SRT's. Prints the two paths as JSON.
"""
import json
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path[:0] = [os.path.join(ROOT, "tests"), ROOT]

import numpy as np  # noqa: E402
from conftest import GAP, PHRASES, srt_text, synthesize, write_wav  # noqa: E402

from srtmedia.pipeline.media import SAMPLE_RATE  # noqa: E402

LATE = 1.5


def main(folder, phrases=4):
    pieces, cues, t = [np.zeros(SAMPLE_RATE, np.float32)], [], 1.0
    for phrase in PHRASES[:phrases]:
        audio = synthesize(phrase)
        cues.append((t + LATE, t + LATE + len(audio) / SAMPLE_RATE, phrase))
        pieces += [audio, np.zeros(int(GAP * SAMPLE_RATE), np.float32)]
        t += len(audio) / SAMPLE_RATE + GAP
    wav, srt = os.path.join(folder, "talk.wav"), os.path.join(folder, "talk.srt")
    write_wav(wav, np.concatenate(pieces))
    with open(srt, "w", encoding="utf-8") as out:
        out.write(srt_text(cues))
    print(json.dumps({"wav": wav, "srt": srt}))


if __name__ == "__main__":
    main(sys.argv[1])
