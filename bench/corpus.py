"""Alignment cases with known truth: spoken programmes plus distortions.

A case is a folder with ``media.<fmt>``, ``subtitles.srt`` and
``truth.json``; see bench/README.md for the truth format.  Cases are cached
under bench/cache/, keyed by a hash of everything that made them.

    python -m bench.corpus --list
    python -m bench.corpus [--quick] [--cases REGEX] [--long]
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import audio
from bench.distort import Distortion, cut_points, render, sloppy_spans, subtitle_segments, timeline
from bench.speech import build_programme, paragraphs, split_sentences
from bench.subs import SrtCue, cue_text, format_srt, make_cues

VERSION = 1                      # bump when generation changes: invalidates the cache
CACHE = Path(__file__).parent / "cache"


@dataclass(frozen=True)
class Source:
    """A spoken programme: which paragraphs (lecture.txt, then talks.txt), voices and speeds."""

    paragraphs: tuple
    voices: tuple
    wpm: tuple
    seed: int = 0
    sentences: int = 0            # keep only this many sentences (0 = all)

    def build(self):
        texts = paragraphs("lecture") + paragraphs("talks")
        chosen = [texts[i % len(texts)] for i in self.paragraphs]
        if self.sentences:
            chosen = [" ".join(split_sentences(" ".join(chosen))[: self.sentences])]
        return build_programme(chosen, list(self.voices), list(self.wpm), seed=self.seed)


SOURCES = {
    # A host and a guest taking turns.
    "p1": Source((0, 1, 2, 3), ("en-us", "en-gb-x-rp"), (170, 160), seed=1),
    "p2": Source((4, 5, 6, 7), ("en-gb-x-rp",), (155,), seed=2),
    "p3": Source((8, 9, 10, 11), ("en+f3", "en-us+m3"), (185, 175), seed=3),
    # The committed test fixture: about 25 seconds.
    "fixture": Source((2,), ("en-us",), (175,), seed=4, sentences=4),
    # Every paragraph once (no repeated text), five voices, four speeds: ~30 minutes.
    "long": Source(tuple(range(42)), ("en-us", "en-gb-x-rp", "en+f3", "en-us+m3", "en-gb-scotland"),
                   (145, 155, 150, 160), seed=5),
    # Two hours: every paragraph four times, in four orders, by voices and speeds in another turn
    # (a course or a day of broadcast repeats itself; the map must not jump between repeats).
    "long2h": Source(tuple(range(42)) + tuple(range(41, -1, -1)) + tuple(range(21, 42)) + tuple(range(21))
                     + tuple(range(0, 42, 2)) + tuple(range(1, 42, 2)),
                     ("en-gb-x-rp", "en-us+m3", "en-us", "en-gb-scotland", "en+f3"), (150, 165, 140, 155), seed=6),
}


@dataclass(frozen=True)
class CaseSpec:
    name: str
    kind: str                     # none | sloppy | offset | speed | cut | combined | long
    source: str
    distortion: Distortion = field(default_factory=Distortion)
    fmt: str = "wav"
    quick: bool = False

    def key(self):
        blob = json.dumps([VERSION, asdict(self), asdict(SOURCES[self.source])], sort_keys=True)
        return hashlib.sha1(blob.encode()).hexdigest()[:10]

    def slug(self):
        return re.sub(r"[^A-Za-z0-9.+-]+", "_", self.name)


FPS_PAIRS = [("25", "23.976"), ("24", "23.976"), ("25", "24"), ("30", "29.97")]
_SP = ["p1", "p2", "p3"]


def _speed_cases():
    cases = []
    for i, (a, b) in enumerate(FPS_PAIRS):
        for j, (x, y) in enumerate(((a, b), (b, a))):
            cases.append(CaseSpec(f"speed-{x}/{y}", "speed", _SP[(2 * i + j) % 3],
                                  Distortion(scale=float(x) / float(y)), quick=(i, j) == (0, 0)))
    cases.append(CaseSpec("speed-25/23.976-mp3", "speed", "p2", Distortion(scale=25 / 23.976), "mp3"))
    return cases


CASES = [
    CaseSpec("clean", "none", "p1", quick=True),
    CaseSpec("sloppy-0.3", "sloppy", "p2", Distortion(sloppy=0.3), quick=True),
    CaseSpec("offset+2.5", "offset", "p1", Distortion(offset=2.5), quick=True),
    CaseSpec("offset-7.3", "offset", "p2", Distortion(offset=-7.3)),
    CaseSpec("offset+95-intro", "offset", "p3", Distortion(offset=95.0, lead="music")),
    CaseSpec("offset+2.5-mp4", "offset", "p2", Distortion(offset=2.5), "mp4", quick=True),
    *_speed_cases(),
    CaseSpec("ad-music-30", "cut", "p1", Distortion(inserts=((75, "music", 30.0),)), quick=True),
    CaseSpec("ad-speech-45", "cut", "p2", Distortion(inserts=((90, "speech", 45.0),))),
    CaseSpec("ads-music20-speech60", "cut", "p3",
             Distortion(inserts=((50, "music", 20.0), (115, "speech", 60.0)))),
    CaseSpec("removed-15", "cut", "p1", Distortion(removals=((80, 15.0),)), quick=True),
    CaseSpec("removed-25", "cut", "p3", Distortion(removals=((60, 25.0),))),
    CaseSpec("offset+4.2+ad-speech-35-ogg", "combined", "p2",
             Distortion(offset=4.2, inserts=((100, "speech", 35.0),)), "ogg"),
    CaseSpec("offset-3.1+removed-15", "combined", "p3", Distortion(offset=-3.1, removals=((90, 15.0),))),
    CaseSpec("offset+1.8+sloppy-0.3", "combined", "p1", Distortion(offset=1.8, sloppy=0.3)),
    CaseSpec("speed-25/23.976+ad-music-40", "combined", "p1",
             Distortion(scale=25 / 23.976, inserts=((110, "music", 40.0),))),
]

LONG = CaseSpec("long-30min", "long", "long", Distortion(offset=3.0), "mp4")
# A broadcast's worth of edits: an offset, a frame-rate ratio, a music and an advert break, a stretch removed.
LONG_2H = CaseSpec("long-2h", "long", "long2h",
                   Distortion(offset=-6.0, scale=25 / 24, inserts=((2400, "music", 45.0), (5200, "speech", 60.0)),
                              removals=((3700, 20.0),)), "mp4")


def select(quick=False, pattern=None, long=False):
    """The case specs to run: all, the quick subset, and/or those matching ``pattern``."""
    cases = CASES + ([LONG, LONG_2H] if long else [])
    if quick:
        cases = [c for c in cases if c.quick]
    if pattern:
        cases = [c for c in cases if re.search(pattern, c.name)]
    return cases


def cue_truths(words, cues, line, written):
    """Per cue: its text, subtitle times as written, and true media times."""
    out = []
    for i, (idx, srt) in enumerate(zip(cues, written)):
        start, end = words[idx[0]].start, words[idx[-1]].end
        media_start = line.media_time(start)
        out.append({
            "index": i, "text": srt.text, "sub_start": srt.start, "sub_end": srt.end,
            "start": media_start, "end": line.media_time(end) if media_start is not None else None,
        })
    return out


def word_truths(words, cues, line):
    """Per subtitled word: its text, cue and true media times (words no cue holds are left out)."""
    cue_of = {i: c for c, idx in enumerate(cues) for i in idx}
    return [{"text": w.text, "cue": cue_of[i], "start": line.media_time(w.start),
             "end": line.media_time(w.end)} for i, w in enumerate(words) if i in cue_of]


def write_media(folder, samples, rate, fmt):
    """Write the media; return (file name, measured codec delay in ms)."""
    wav = folder / "media.wav"
    audio.write_wav(wav, samples, rate)
    if fmt == "wav":
        return wav.name, 0.0
    out = folder / f"media.{audio.extension(fmt)}"
    audio.encode(wav, out, fmt)
    decoded = audio.decode(out, 16000)
    lag = audio.lag_seconds(audio.decode(wav, 16000), decoded, 16000)
    wav.unlink()
    return out.name, round(lag * 1000, 2)


def generate(spec, folder):
    """Write one case into ``folder``; return its truth dict."""
    prog = SOURCES[spec.source].build()
    words, dist = prog.words, spec.distortion
    cues = make_cues(words)
    spans = [(words[c[0]].start, words[c[-1]].end) for c in cues]
    line = timeline(dist, prog.duration, cut_points(spans))
    seed = int(spec.key(), 16) % (1 << 31)
    samples = render(line, prog.audio, prog.rate, seed)
    media, codec_lag_ms = write_media(folder, samples, prog.rate, spec.fmt)
    srt = [SrtCue(dist.subtitle_time(s), dist.subtitle_time(e), cue_text(words, c))
           for c, (s, e) in zip(cues, sloppy_spans(spans, dist.sloppy, seed))]
    (folder / "subtitles.srt").write_text(format_srt(srt), encoding="utf-8")
    return {
        "name": spec.name, "kind": spec.kind, "key": spec.key(),
        "media": media, "subtitles": "subtitles.srt",
        "duration": round(len(samples) / prog.rate, 3), "codec_lag_ms": codec_lag_ms,
        "distortion": asdict(dist), "source": asdict(SOURCES[spec.source]),
        "segments": subtitle_segments(dist, line), "fillers": line.fillers(),
        "reference_check": prog.check.summary(),
        "cues": cue_truths(words, cues, line, srt),
        "words": word_truths(words, cues, line),
    }


@dataclass
class Case:
    """A built case on disk."""

    spec: CaseSpec
    folder: Path
    truth: dict

    @property
    def media(self):
        return self.folder / self.truth["media"]

    @property
    def subtitles(self):
        return self.folder / self.truth["subtitles"]


def build(spec, root=CACHE):
    """The case for ``spec``, generated unless already cached."""
    folder = Path(root) / f"{spec.slug()}-{spec.key()}"
    return Case(spec, folder, cached(folder, lambda tmp: generate(spec, tmp)))


def cached(folder, make):
    """The truth dict in ``folder``; unless there, ``make(tmp_folder)`` writes the case and returns it.

    The case is made in a temporary folder beside ``folder`` and renamed into
    place, so an interrupted or concurrent run never leaves half a case.
    """
    truth_path = Path(folder) / "truth.json"
    if not truth_path.exists():
        Path(folder).parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=Path(folder).parent, prefix=".tmp-"))
        try:
            truth = make(tmp)
            (tmp / "truth.json").write_text(json.dumps(truth, indent=1), encoding="utf-8")
            shutil.rmtree(folder, ignore_errors=True)
            os.replace(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return json.loads(truth_path.read_text(encoding="utf-8"))


def prune(root=CACHE):
    """Remove cache folders whose key no current case spec produces."""
    keep = {f"{s.slug()}-{s.key()}" for s in CASES + [LONG, LONG_2H]}
    for folder in sorted(Path(root).glob("*")):
        if folder.is_dir() and folder.name not in keep:
            shutil.rmtree(folder)
            print(f"removed {folder.name}")


def check_references():
    """Energy check of the word references of every source, and pooled."""
    from bench.speech import EnergyCheck
    pooled = EnergyCheck()
    for name, source in SOURCES.items():
        check = source.build().check
        pooled.merge(check)
        print(f"{name:8} {json.dumps(check.summary())}")
    print(f"{'ALL':8} {json.dumps(pooled.summary())}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the quick subset")
    ap.add_argument("--cases", help="regex on case names")
    ap.add_argument("--long", action="store_true", help="include the 30-minute case")
    ap.add_argument("--list", action="store_true", help="list case names and exit")
    ap.add_argument("--prune", action="store_true", help="delete cached cases no spec makes any more")
    ap.add_argument("--check", action="store_true",
                    help="print how the reference word times compare with energy, per source")
    args = ap.parse_args(argv)
    if args.check:
        return check_references()
    if args.prune:
        return prune()
    for spec in select(args.quick, args.cases, args.long):
        if args.list:
            print(f"{spec.name:32} {spec.kind:9} {spec.source:6} {spec.fmt}")
            continue
        case = build(spec)
        t = case.truth
        print(f"{spec.name:32} {t['duration']:8.1f}s {len(t['cues']):4d} cues "
              f"codec lag {t['codec_lag_ms']:+.1f} ms  {case.folder}")


if __name__ == "__main__":
    main()
