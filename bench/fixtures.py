"""Build the small committed speech fixtures in tests/data/speech/.

    python -m bench.fixtures [--librivox DIR]

``espeak_offset``: a ~25 s espeak-ng clip (mp3) whose SRT is late by a known
offset, with true cue and word times.  ``librivox_austen``: a human reading
(LibriVox, public domain) shipped in the pocketsphinx 5.1.1 sdist; DIR is
its ``test/data/librivox`` folder (``pip download --no-deps --no-binary
:all: pocketsphinx==5.1.1`` and unpack).  Cue times there are the sdist's
speech labels (``.lab``) checked against energy; see the README.
"""
import argparse
import json
import shutil
import tempfile
import wave
from pathlib import Path

import numpy as np

from bench import audio
from bench.corpus import CaseSpec, generate
from bench.distort import Distortion
from bench.subs import SrtCue, format_srt

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "speech"
ESPEAK_OFFSET = 2.0      # media = subtitles + 2.0 s

CLIPS = ["0870", "0880", "0890", "0920", "0930"]
CLIP_NAME = "sense_and_sensibility_01_austen_64kb-{}.wav"
LIBRIVOX_OFFSET = -1.2   # media = subtitles - 1.2 s (the subtitles are late)
REMOVED_GAP = 8.0        # subtitle seconds of the sentence the media lacks

# (clip, start, end, tolerance, text).  start/end are seconds in the clip
# (None = the clip's labelled speech start/end).  Inner boundaries come from
# energy and forced alignment, hence the wider tolerance.
CUES = [
    ("0870", None, 3.44, 0.06, "and Mr. John Dashwood had then\nleisure to consider"),
    ("0870", 3.44, None, 0.06, "how much there might be prudently\nin his power to do for them."),
    ("0880", None, None, 0.05, "He was not an ill-disposed young man,"),
    ("0890", None, None, 0.05, "unless to be rather cold-hearted and\nrather selfish is to be ill-disposed:"),
    ("0920", None, 2.45, 0.05, "Had he married a more amiable woman,"),
    ("0920", 2.57, None, 0.05, "he might have been made still\nmore respectable than he was;"),
    ("0930", None, None, 0.05, "he might even have been made amiable himself;"),
]
# Spoken in the audiobook between clips 0890 and 0920, absent from the media.
REMOVED_CUES = [
    (0.25, 3.9, "but he was, in general, well respected;\nfor he conducted himself"),
    (4.0, 7.6, "with propriety in the discharge\nof his ordinary duties."),
]


def espeak_fixture(out):
    """espeak_offset.{mp3,srt,json} from the corpus generator."""
    spec = CaseSpec("fixture", "offset", "fixture", Distortion(offset=ESPEAK_OFFSET), "mp3-speech")
    with tempfile.TemporaryDirectory() as tmp:
        truth = generate(spec, Path(tmp))
        shutil.copy(Path(tmp) / truth["media"], out / "espeak_offset.mp3")
        shutil.copy(Path(tmp) / truth["subtitles"], out / "espeak_offset.srt")
    truth.update(media="espeak_offset.mp3", subtitles="espeak_offset.srt", offset=ESPEAK_OFFSET)
    _write_json(out / "espeak_offset.json", truth)


def _read_clip(folder, clip):
    path = Path(folder) / CLIP_NAME.format(clip)
    with wave.open(str(path)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
        rate = w.getframerate()
    labels = [float(line.split()[0]) for line in path.with_suffix(".lab").read_text().split("\n") if line]
    return x, rate, labels[0], labels[1]


def librivox_fixture(folder, out):
    """librivox_austen.mp3 with two SRTs: shifted, and shifted + a removed sentence."""
    pieces, placed, t = [], {}, 0.0
    for clip in CLIPS:
        x, rate, speech_start, speech_end = _read_clip(folder, clip)
        placed[clip] = (t, speech_start, speech_end)
        pieces.append(x)
        t += len(x) / rate
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "austen.wav"
        audio.write_wav(wav, np.concatenate(pieces), rate)
        audio.encode(wav, out / "librivox_austen.mp3", "mp3-speech")
    truths = []
    for clip, start, end, tol, text in CUES:
        at, speech_start, speech_end = placed[clip]
        truths.append({"text": text, "tolerance": tol,
                       "start": round(at + (speech_start if start is None else start), 3),
                       "end": round(at + (speech_end if end is None else end), 3)})
    plain = [SrtCue(c["start"] - LIBRIVOX_OFFSET, c["end"] - LIBRIVOX_OFFSET, c["text"]) for c in truths]
    (out / "librivox_austen.srt").write_text(format_srt(plain), encoding="utf-8")
    removed, cues = _with_removed(truths, placed)
    (out / "librivox_austen_removed.srt").write_text(format_srt(removed), encoding="utf-8")
    _write_json(out / "librivox_austen.json", {
        "media": "librivox_austen.mp3", "duration": round(t, 3),
        "srt": {"librivox_austen.srt": {"offset": LIBRIVOX_OFFSET,
                                        "cues": [dict(c, index=i) for i, c in enumerate(truths)]},
                "librivox_austen_removed.srt": {"offset": LIBRIVOX_OFFSET, "removed_gap": REMOVED_GAP,
                                                "cues": cues}},
    })


def _with_removed(truths, placed):
    """SRT cues of the full audiobook text and their truths (None = not in the media)."""
    cut = placed["0920"][0]                       # media time where the missing sentence was
    sub_cut = placed["0890"][0] + placed["0890"][2] - LIBRIVOX_OFFSET
    srt, cues = [], []
    for c in truths:
        if c["start"] >= cut and not any(x.get("start") is None for x in cues):
            for a, b, text in REMOVED_CUES:
                srt.append(SrtCue(sub_cut + a, sub_cut + b, text))
                cues.append({"text": text, "start": None, "end": None, "tolerance": None})
        shift = REMOVED_GAP if c["start"] >= cut else 0.0
        srt.append(SrtCue(c["start"] - LIBRIVOX_OFFSET + shift, c["end"] - LIBRIVOX_OFFSET + shift, c["text"]))
        cues.append(dict(c))
    for i, c in enumerate(cues):
        c["index"] = i
    return srt, cues


def human_cases():
    """The LibriVox fixture as bench cases (kind ``human``), one per SRT."""
    from bench.corpus import Case
    from bench.subs import parse_srt
    truth = json.loads((OUT / "librivox_austen.json").read_text(encoding="utf-8"))
    cases = []
    for name, srt in truth["srt"].items():
        written = parse_srt((OUT / name).read_text(encoding="utf-8"))
        cues = [dict(c, sub_start=w.start, sub_end=w.end) for c, w in zip(srt["cues"], written)]
        case_truth = {"name": name[:-4], "kind": "human", "media": truth["media"], "subtitles": name,
                      "duration": truth["duration"], "cues": cues, "words": [],
                      "segments": truth_segments(cues, srt["offset"])}
        cases.append(Case(None, OUT, case_truth))
    return cases


def truth_segments(cues, offset):
    """Piecewise truth from cue times: a new segment wherever the offset jumps."""
    out = []
    for c in cues:
        if c["start"] is None:
            continue
        shift = round(c["start"] - c["sub_start"], 3)
        if not out or abs(shift - out[-1]["offset"]) > 0.5:
            out.append({"start": c["sub_start"], "end": c["sub_end"], "offset": shift, "ratio": 1.0})
        out[-1]["end"] = c["sub_end"]
    return out


def _write_json(path, data):
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--librivox", help="pocketsphinx-5.1.1/test/data/librivox folder")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    espeak_fixture(OUT)
    if args.librivox:
        librivox_fixture(args.librivox, OUT)
    for f in sorted(OUT.iterdir()):
        print(f"{f.stat().st_size:9d}  {f.name}")


if __name__ == "__main__":
    main()
