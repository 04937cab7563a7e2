"""Random programmes with known truth, for the randomised bench.

One integer seed decides everything about a case (``draw``): which
paragraphs are read and by which espeak voices, whether the human LibriVox
reading of tests/data/speech is spliced in, a refrain spoken several times
(one occurrence left without a cue), lines spoken but not subtitled, lines
subtitled but not spoken (their audio muted, so their truth is "not in the
media"), the offset, frame-rate ratio, breaks and removed stretch of
``distort.Distortion``, a music bed under the speech and the codec.  Cases
are cached under bench/cache/random/, keyed by seed and ``VERSION``.
"""
import argparse
import hashlib
import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench import audio, corpus
from bench.distort import (SPEECH_LEVEL, Distortion, cut_points, nearest, render, subtitle_segments,
                           timeline)
from bench.speech import ProgrammeBuilder, paragraphs, sentence_pause, split_sentences
from bench.subs import SrtCue, cue_text, format_srt, make_cues

VERSION = 4                      # bump when generation changes: invalidates the cache
CACHE = corpus.CACHE / "random"
ROOT = Path(__file__).resolve().parent.parent
HUMAN = ROOT / "tests" / "data" / "speech"
VOICES = ("en-us", "en-gb-x-rp", "en+f3", "en-us+m3", "en-gb-scotland")
# subtitle = scale * original: subtitles made for a B fps master, media played at A ("A/B").
RATIOS = {"25/24": 25 / 24, "24/25": 24 / 25, "23.976/25": 23.976 / 25, "25/23.976": 25 / 23.976,
          "30/29.97": 30 / 29.97, "29.97/30": 29.97 / 30, "24/23.976": 24 / 23.976,
          "23.976/24": 23.976 / 24}
# distort.filler_audio kinds; "voices" needs auditok (installed with ffsubsync).
BREAKS = ("music", "noise", "speech", "voices")
FORMATS = ("wav", "mp3", "ogg", "mp4", "m4a")
SPEECH = (50.0, 120.0)           # seconds of reading per case, before distortions
JUMP = 0.5                       # seconds: an offset change this large between cues is a cut


@dataclass(frozen=True)
class Recipe:
    """Everything one case is made from; fractions are of the programme or of its cues."""

    seed: int
    paragraphs: tuple            # indices into lecture.txt + talks.txt, read in order
    sentences: int               # read this many of their sentences
    voices: tuple                # one per paragraph, in turn
    wpm: tuple
    lead_in: float
    human_at: float | None       # where the LibriVox reading goes (fraction of sentences)
    refrain: str | None
    refrain_at: tuple            # fractions of sentences
    refrain_silent: int          # which occurrence has no cue
    unsubtitled: tuple           # fractions of cues: spoken, no cue
    unspoken: tuple              # fractions of cues: cue, audio muted
    offset: float
    ratio: str                   # a RATIOS key or "1"
    lead: str
    inserts: tuple               # ((fraction of programme, kind, seconds), ...)
    removal: tuple | None        # (fraction of programme, seconds)
    bed: tuple | None            # (dB under the speech, start fraction, end fraction) of media
    fmt: str

    def key(self):
        blob = json.dumps([VERSION, asdict(self)], sort_keys=True)
        return hashlib.sha1(blob.encode()).hexdigest()[:10]

    def features(self):
        """Short tags of what this case contains, for pooled figures."""
        tags = ["human" if self.human_at is not None else "synthetic"]
        tags += ["ratio"] if self.ratio != "1" else []
        tags += ["break"] if self.inserts else []
        tags += ["removed"] if self.removal else []
        tags += ["refrain"] if self.refrain else []
        tags += ["unsubtitled"] if self.unsubtitled else []
        tags += ["unspoken"] if self.unspoken else []
        tags += ["bed"] if self.bed else []
        return tags

    def describe(self):
        """One line: the distortions of this case."""
        parts = [f"offset {self.offset:+.2f}s", f"ratio {self.ratio}", self.fmt]
        parts += [f"{k} break {s:.0f}s" for _, k, s in self.inserts]
        parts += [f"removed {self.removal[1]:.0f}s"] if self.removal else []
        parts += [f"refrain x{len(self.refrain_at)}"] if self.refrain else []
        parts += [f"{len(self.unsubtitled)} unsubtitled", f"{len(self.unspoken)} unspoken"]
        parts += [f"bed -{self.bed[0]:.0f}dB"] if self.bed else []
        parts += ["human reading"] if self.human_at is not None else []
        return ", ".join(parts)


def _texts():
    return paragraphs("lecture") + paragraphs("talks")


def draw(seed, speech=SPEECH):
    """The Recipe for ``seed``; ``speech`` bounds the seconds of reading (before distortions)."""
    rng = np.random.default_rng(seed)
    texts = _texts()
    first = int(rng.integers(len(texts)))
    count = 4                             # paragraphs are ~40 s: enough for any target
    chosen = tuple((first + i) % len(texts) for i in range(count))
    seconds = float(rng.uniform(*speech))
    n_voices = int(rng.integers(1, 4))
    voices = tuple(str(v) for v in rng.choice(VOICES, n_voices, replace=False))
    wpm = tuple(int(w) for w in rng.integers(140, 190, n_voices))
    # About 2.6 words a second with pauses; the reading has ~14 words per sentence.
    sentences = max(5, int(round(seconds * 2.6 / 14)))
    refrains = paragraphs("refrains")
    has_refrain = rng.random() < 0.5
    n_breaks = int(rng.choice([0, 0, 1, 1, 2]))
    return Recipe(
        seed=seed, paragraphs=chosen, sentences=sentences, voices=voices, wpm=wpm,
        lead_in=round(float(rng.uniform(0.3, 2.0)), 3),
        human_at=round(float(rng.uniform(0.1, 1.0)), 3) if rng.random() < 0.4 else None,
        refrain=refrains[int(rng.integers(len(refrains)))] if has_refrain else None,
        refrain_at=tuple(sorted(round(float(f), 3) for f in rng.uniform(0.05, 1.0, int(rng.integers(2, 5)))))
        if has_refrain else (),
        refrain_silent=int(rng.integers(0, 4)),
        unsubtitled=_fractions(rng, [0, 0, 1, 2, 3]),
        unspoken=_fractions(rng, [0, 0, 1, 1, 2]),
        offset=round(float(rng.uniform(-15, 15)), 3) if rng.random() < 0.85 else 0.0,
        ratio=str(rng.choice(list(RATIOS))) if rng.random() < 0.6 else "1",
        lead=str(rng.choice(["silence", "music", "noise"])),
        inserts=tuple((round(float(rng.uniform(0.1, 0.9)), 3), str(rng.choice(BREAKS)),
                       round(float(rng.uniform(5, 30)), 1)) for _ in range(n_breaks)),
        removal=(round(float(rng.uniform(0.15, 0.75)), 3), round(float(rng.uniform(5, 20)), 1))
        if rng.random() < 0.35 else None,
        bed=(round(float(rng.uniform(12, 22)), 1), *sorted(round(float(f), 3) for f in rng.uniform(0, 1, 2)))
        if rng.random() < 0.3 else None,
        fmt=str(rng.choice(FORMATS)),
    )


def _fractions(rng, counts):
    return tuple(sorted(round(float(f), 3) for f in rng.uniform(0, 1, int(rng.choice(counts)))))


def _human_reading(rate):
    """The LibriVox reading at ``rate`` and its lines [(text, start, end)] in clip seconds."""
    truth = json.loads((HUMAN / "librivox_austen.json").read_text(encoding="utf-8"))
    cues = truth["srt"]["librivox_austen.srt"]["cues"]
    x = audio.decode(HUMAN / truth["media"], rate)
    return x, [(c["text"].replace("\n", " "), c["start"], c["end"]) for c in cues]


def _at(fractions, n):
    """Sentence or cue positions for fractions of ``n``."""
    return [min(n - 1, int(f * n)) for f in fractions]


def speak(recipe):
    """The programme, the sentence indices of each refrain occurrence, and the human ones."""
    rng = np.random.default_rng(recipe.seed)
    texts = _texts()
    plan = [(p, s) for p in recipe.paragraphs for s in split_sentences(texts[p])][: recipe.sentences]
    human_at = max(1, _at([recipe.human_at], len(plan))[0]) if recipe.human_at is not None else None
    refrain_at = _at(recipe.refrain_at, len(plan))
    builder = ProgrammeBuilder(recipe.lead_in)
    refrains, human = [], []
    for k, (p, sentence) in enumerate(plan):
        voice = recipe.voices[recipe.paragraphs.index(p) % len(recipe.voices)]
        wpm = recipe.wpm[recipe.paragraphs.index(p) % len(recipe.wpm)]
        if k == human_at:
            clip, lines = _human_reading(builder.rate)
            speech = np.concatenate(builder.pieces)
            level = audio.rms(speech[speech != 0]) / max(audio.rms(clip), 1e-9)
            human = builder.clip(clip * level, lines, paragraph=-1)
            builder.pause(sentence_pause(rng, last=True))
        for _ in range(refrain_at.count(k)):
            refrains.append(builder.speak(recipe.refrain, voice, wpm, p))
            builder.pause(sentence_pause(rng, last=False))
        builder.speak(sentence, voice, wpm, p)
        last = k + 1 == len(plan) or plan[k + 1][0] != p
        builder.pause(sentence_pause(rng, last))
    return builder.programme(), refrains, human


def _choose_cues(recipe, words, cues, refrains):
    """(cues left without a subtitle, cues whose audio is muted), as sets of cue indices."""
    sentence_cues = lambda s: {c for c, idx in enumerate(cues) if any(words[i].sentence == s for i in idx)}  # noqa: E731
    refrain_cues = set().union(*(sentence_cues(s) for s in refrains)) if refrains else set()
    dropped = sentence_cues(refrains[recipe.refrain_silent % len(refrains)]) if refrains else set()
    others = [c for c in range(len(cues)) if c not in refrain_cues]
    dropped |= {others[i] for i in _at(recipe.unsubtitled, len(others))}
    rest = [c for c in others if c not in dropped]
    muted = {rest[i] for i in _at(recipe.unspoken, len(rest))}
    return dropped, muted


def _mute(x, rate, words, cue):
    """Silence one cue's speech, up to (not into) the neighbouring words."""
    start, end = words[cue[0]].start, words[cue[-1]].end
    before = [w.end for w in words if w.end is not None and w.end <= start]
    after = [w.start for w in words if w.start is not None and w.start >= end]
    a = max(start - 0.05, (max(before) + start) / 2 if before else 0.0)
    b = min(end + 0.08, (min(after) + end) / 2 if after else len(x) / rate)
    x[int(a * rate): int(b * rate)] = 0.0


def _bed(samples, rate, recipe, rng):
    """Music under everything between the bed's start and end fractions of the media."""
    if not recipe.bed:
        return samples
    db, a, b = recipe.bed
    i, j = int(a * len(samples)), int(b * len(samples))
    if (j - i) / rate < 5:                # too short to matter: under the whole media
        i, j = 0, len(samples)
    music = audio.music((j - i) / rate, rate, rng, SPEECH_LEVEL * 10 ** (-db / 20))
    out = samples.copy()
    out[i: i + len(music)] += music[: j - i]
    return out


def _distortion(recipe, duration, cuts):
    """The Distortion in programme seconds; breaks inside the removed stretch are left out."""
    # At most a third of the reading goes, so that every case keeps most of its cues.
    removals = ((recipe.removal[0] * duration, min(recipe.removal[1], duration / 3)),) if recipe.removal else ()
    span = None
    if removals:
        a = nearest(cuts, removals[0][0])
        later = [c for c in cuts if c > a]
        span = (a, nearest(later, a + removals[0][1])) if later else None
        removals = removals if span else ()
    inserts = tuple((f * duration, kind, s) for f, kind, s in recipe.inserts
                    if not span or not span[0] <= nearest(cuts, f * duration) <= span[1])
    return Distortion(offset=recipe.offset, scale=RATIOS.get(recipe.ratio, 1.0), inserts=inserts,
                      removals=removals, lead=recipe.lead)


def observable_cuts(cues, ratio):
    """Offset jumps over JUMP between consecutive cues that are in the media."""
    offsets = [c["start"] - ratio * c["sub_start"] for c in cues if c["start"] is not None]
    return sum(abs(b - a) > JUMP for a, b in zip(offsets, offsets[1:]))


def generate(recipe, folder):
    """Write one case into ``folder``; return its truth dict (bench/README.md's format, plus more)."""
    prog, refrains, human = speak(recipe)
    words, all_cues = prog.words, make_cues(prog.words)
    dropped, muted = _choose_cues(recipe, words, all_cues, refrains)
    spoken = prog.audio.copy()
    for c in muted:
        _mute(spoken, prog.rate, words, all_cues[c])
    spans = [(words[c[0]].start, words[c[-1]].end) for c in all_cues]
    cuts = cut_points(spans)
    dist = _distortion(recipe, prog.duration, cuts)
    line = timeline(dist, prog.duration, cuts)
    rng = np.random.default_rng(recipe.seed)
    samples = _bed(render(line, spoken, prog.rate, recipe.seed), prog.rate, recipe, rng)
    media, codec_lag_ms = corpus.write_media(folder, samples, prog.rate, recipe.fmt)
    kept = [i for i in range(len(all_cues)) if i not in dropped]
    srt = [SrtCue(dist.subtitle_time(words[all_cues[i][0]].start), dist.subtitle_time(words[all_cues[i][-1]].end),
                  cue_text(words, all_cues[i])) for i in kept]
    (folder / "subtitles.srt").write_text(format_srt(srt), encoding="utf-8")
    kept_cues = [all_cues[i] for i in kept]
    cues = corpus.cue_truths(words, kept_cues, line, srt)
    for truth, i in zip(cues, kept):
        sentence = words[all_cues[i][0]].sentence
        truth.update(unspoken=i in muted, human=sentence in human, refrain=sentence in refrains)
        if i in muted:
            truth["start"] = truth["end"] = None
    # Muted words have no time; the human reading's are known only at line edges (not scored).
    unscored = {w for i in kept for w in all_cues[i] if i in muted or words[w].sentence in human}
    word_truth = corpus.word_truths(words, kept_cues, line)
    for w, truth in zip(sorted(w for c in kept_cues for w in c), word_truth):
        if w in unscored:
            truth["start"] = truth["end"] = None
    ratio = 1.0 / dist.scale
    return {
        "name": f"random-{recipe.seed}", "kind": "random", "seed": recipe.seed, "key": recipe.key(),
        "media": media, "subtitles": "subtitles.srt",
        "duration": round(len(samples) / prog.rate, 3), "codec_lag_ms": codec_lag_ms,
        "recipe": asdict(recipe), "features": recipe.features(), "describe": recipe.describe(),
        "distortion": asdict(dist), "segments": subtitle_segments(dist, line), "fillers": line.fillers(),
        "cuts_made": observable_cuts(cues, ratio),
        "unsubtitled": [{"text": cue_text(words, all_cues[i]).replace("\n", " "),
                         "start": line.media_time(words[all_cues[i][0]].start)} for i in sorted(dropped)],
        "cues": cues, "words": word_truth,
    }


def build(seed, root=CACHE, speech=SPEECH):
    """The case for ``seed``, generated unless already cached (a corpus.Case)."""
    recipe = draw(seed, speech)
    folder = Path(root) / f"{seed}-{recipe.key()}"
    return corpus.Case(None, folder, corpus.cached(folder, lambda tmp: _generate_apart(seed, speech, tmp)))


def _generate_apart(seed, speech, folder):
    """``generate`` in a new interpreter; returns the truth.

    espeak-ng carries state from one utterance to the next (a sentence's
    length moves by a few samples), so a case made after others would not be
    the case its seed makes alone: each case gets a fresh engine.
    """
    cmd = [sys.executable, "-m", "bench.compose", str(seed), str(folder), "--speech", f"{speech[0]},{speech[1]}"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"generating seed {seed} failed: {done.stderr.strip()[-2000:]}")
    return json.loads((Path(folder) / "truth.json").read_text(encoding="utf-8"))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write the case of one seed into a folder (used by build).")
    ap.add_argument("seed", type=int)
    ap.add_argument("folder")
    ap.add_argument("--speech", default=f"{SPEECH[0]},{SPEECH[1]}", help="seconds of reading: MIN,MAX")
    args = ap.parse_args(argv)
    speech = tuple(float(v) for v in args.speech.split(","))
    truth = generate(draw(args.seed, speech), Path(args.folder))
    (Path(args.folder) / "truth.json").write_text(json.dumps(truth, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
