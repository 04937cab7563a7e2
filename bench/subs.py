"""Subtitle cues cut like a human would, and minimal SRT reading/writing.

The bench keeps its own SRT code so that it measures srtmedia without
depending on srtmedia's parser.
"""
import re
from dataclasses import dataclass

MAX_LINE = 42
MAX_LINES = 2
MAX_SECONDS = 6.0
SHORT_CUE = 16        # chars: a sentence this short may share a cue with the next
PARAGRAPH_GAP = 1.0   # seconds of silence that always end a cue


@dataclass
class SrtCue:
    start: float
    end: float
    text: str


def wrap(text, width=MAX_LINE):
    """One line, or two balanced lines, for a cue's text."""
    if len(text) <= width:
        return text
    spaces = [m.start() for m in re.finditer(" ", text)]
    best = min(spaces, key=lambda i: max(i, len(text) - i - 1))
    return text[:best] + "\n" + text[best + 1:]


def fits(text, width=MAX_LINE, lines=MAX_LINES):
    """Whether ``text`` wraps into at most ``lines`` lines of ``width``."""
    return all(len(line) <= width for line in wrap(text, width).split("\n")) and (
        wrap(text, width).count("\n") < lines)


def _units(words):
    """Word indices grouped so that espeak's merged words are never split."""
    units = []
    for i, w in enumerate(words):
        if units and words[units[-1][0]].group == w.group:
            units[-1].append(i)
        else:
            units.append([i])
    return units


def _text(words, indices):
    return " ".join(words[i].text for i in indices)


def _flat(units):
    return [i for u in units for i in u]


def _ok(words, units):
    """Whether these units can be one cue (length and duration)."""
    idx = _flat(units)
    return fits(_text(words, idx)) and words[idx[-1]].end - words[idx[0]].start <= MAX_SECONDS


def _split_cost(words, units, k):
    left, right = _text(words, _flat(units[:k])), _text(words, _flat(units[k:]))
    cost = max(len(left), len(right))
    # A clause boundary reads better, so it may be somewhat less balanced.
    return cost * 0.7 if left.endswith((",", ";", ":")) else cost


def _chunks(words, units):
    """Split one sentence's units into cue-sized chunks, preferring commas."""
    if len(units) == 1 or _ok(words, units):
        return [units]
    k = min(range(1, len(units)), key=lambda k: _split_cost(words, units, k))
    return _chunks(words, units[:k]) + _chunks(words, units[k:])


def _sentences(words):
    """Units grouped by sentence."""
    out = []
    for unit in _units(words):
        if out and words[out[-1][-1][0]].sentence == words[unit[0]].sentence:
            out[-1].append(unit)
        else:
            out.append([unit])
    return out


def _may_merge(words, a, b):
    """Whether two chunks of different sentences may share a cue."""
    ia, ib = _flat(a), _flat(b)
    short = min(len(_text(words, ia)), len(_text(words, ib))) < SHORT_CUE
    near = words[ib[0]].start - words[ia[-1]].end <= PARAGRAPH_GAP
    same = words[ia[0]].paragraph == words[ib[0]].paragraph
    return short and near and same and _ok(words, a + b)


def make_cues(words):
    """Group reference words into cues: lists of word indices.

    Each sentence is cut into chunks that fit (at a comma when it can), then
    a short chunk may join a neighbouring sentence's chunk, as humans do.
    """
    chunks = [c for units in _sentences(words) for c in _chunks(words, units)]
    merged = []
    for chunk in chunks:
        last_sentence = merged and words[merged[-1][-1][0]].sentence
        if merged and last_sentence != words[chunk[0][0]].sentence and _may_merge(words, merged[-1], chunk):
            merged[-1] = merged[-1] + chunk
        else:
            merged.append(chunk)
    return [_flat(c) for c in merged]


def cue_text(words, indices):
    return wrap(_text(words, indices))


def _stamp(seconds):
    ms = int(round(max(0.0, seconds) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def format_srt(cues):
    """SRT text for [SrtCue]."""
    blocks = [f"{i}\n{_stamp(c.start)} --> {_stamp(c.end)}\n{c.text}\n"
              for i, c in enumerate(cues, 1)]
    return "\n".join(blocks)


_TIME = re.compile(r"(\d+):(\d+):(\d+)[,.](\d+)\s*-->\s*(\d+):(\d+):(\d+)[,.](\d+)")


def _seconds(h, m, s, frac):
    return int(h) * 3600 + int(m) * 60 + int(s) + int(frac) / 10 ** len(frac)


def parse_srt(text):
    """[SrtCue] from SRT text (tolerant of BOM, CRLF and missing numbers)."""
    cues = []
    for block in re.split(r"\n\s*\n", text.lstrip("\ufeff").replace("\r\n", "\n")):
        lines = block.strip("\n").split("\n")
        for i, line in enumerate(lines):
            m = _TIME.search(line)
            if m:
                g = m.groups()
                cues.append(SrtCue(_seconds(*g[:4]), _seconds(*g[4:]), "\n".join(lines[i + 1:])))
                break
    return cues
