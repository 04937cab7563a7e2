"""Anchors and runs: the pieces of the timing model the aligner works with.

An anchor is a subtitle word matched to a recognised word, ``(subtitle time,
media time)``. A run is the anchors of one segment of the map (a stretch of
media with no cut), where ``media = ratio * subtitle + offset`` holds; the
map itself is found in ``mapping``. Also here: cutting a run where the
media between anchors is not their subtitle words (``split_at_unmatched``),
where a run's edge cues lie (``cue_edges``), whether the recogniser heard
other words at a place (``contradicts``), and the result's ``timing`` block
(``describe``).
"""
from dataclasses import dataclass
from difflib import SequenceMatcher

RUN_TOLERANCE = 0.6      # seconds an anchor may stray from its run's offset
WHISPER_LAG = 0.08       # Whisper word starts run late by about this much
# Letter similarity (difflib ratio) of unrelated English phrases is 0.25-0.43 at
# the 95th percentile; Whisper's mishearings of the right words score 0.5-0.95.
HEARD_ALIKE = 0.45
# Share of recognised letters found, in order, in subtitle words they are part of: other words' reach
# about half by chance (letters are few), a mishearing of the subtitle's own nine in ten.
HEARD_WITHIN = 0.7
MIN_HEARD_LETTERS = 8    # fewer recognised letters than this can't overrule anything
CUE_REACH = 3.0          # seconds a cue's own words may lie from where its times put them
CHANCE_MATCH_WORDS = 4  # words a cue needs for one matched word of it to be chance, not evidence it was said
EXTRA_WORDS = 3          # recognised words more than the subtitles have between two anchors: an unsubtitled line


@dataclass
class Anchor:
    sub: int        # index into the subtitle words
    asr: int        # index into the recognised words
    sub_time: float
    media_time: float


@dataclass
class Run:
    """Anchors sharing one offset: a stretch of media with no cut."""

    anchors: list
    offset: float
    ratio: float

    def media_time(self, sub_time):
        return self.ratio * sub_time + self.offset


def contradicts(sub_keys, heard_keys):
    """True when what was recognised at a place is clearly not these subtitle words.

    A place where the recogniser heard nothing, or much less than the
    subtitle words say, tells nothing (it skips speech); but speech it heard
    in full as quite other words (an advert's, say) is not where the
    subtitle words were said, however voiced it is.
    """
    said, heard = _letters(sub_keys), _letters(heard_keys)
    if len(heard) < max(MIN_HEARD_LETTERS, len(said) / 2):
        return False
    return SequenceMatcher(None, said, heard, autojunk=False).ratio() < HEARD_ALIKE


def other_words(sub_keys, heard_keys):
    """True when at least MIN_HEARD_LETTERS were recognised and, however few, they are not part of these
    subtitle words (under HEARD_WITHIN of their letters found in them, in order)."""
    said, heard = _letters(sub_keys), _letters(heard_keys)
    if len(heard) < MIN_HEARD_LETTERS:
        return False
    found = sum(block.size for block in SequenceMatcher(None, said, heard, autojunk=False).get_matching_blocks())
    return found < HEARD_WITHIN * len(heard)


def letters(keys):
    """How many letters ``keys`` (normalised words) hold: how long they take to say."""
    return len(_letters(keys))


def alike(sub_keys, heard_keys):
    """True when what was recognised at a place resembles these subtitle words (a mishearing of them)."""
    return likeness(sub_keys, heard_keys) >= HEARD_ALIKE


def likeness(sub_keys, heard_keys):
    """Letter similarity (0-1) of subtitle words and recognised words; 0 when too little was heard to tell."""
    said, heard = _letters(sub_keys), _letters(heard_keys)
    if len(heard) < max(MIN_HEARD_LETTERS, len(said) / 2):
        return 0.0
    return SequenceMatcher(None, said, heard, autojunk=False).ratio()


def repeated_cues(keys, cue_of):
    """The cues whose said words (``keys``, "" for sound tags) another cue repeats word for word: a refrain.

    A refrain is often said more times than it is subtitled: speech alike
    such a cue may be any of its copies, so it is no evidence of where the cue lies.
    """
    lines = {}
    for key, cue in zip(keys, cue_of):
        if key:
            lines.setdefault(cue, []).append(key)
    copies = {}
    for cue, said in lines.items():
        copies.setdefault(tuple(said), []).append(cue)
    return {c for same in copies.values() if len(same) > 1 for c in same}


def _letters(keys):
    return "".join(c for k in keys for c in k if c.isalpha())


def estimate_word_times(words, cues):
    """Where each word falls in subtitle time: spread over its cue by characters."""
    by_cue = {}
    for w in words:
        by_cue.setdefault(w.cue_index, []).append(w)
    times = [0.0] * len(words)
    for cue_index, members in by_cue.items():
        cue = cues[cue_index]
        total = sum(len(w.text) + 1 for w in members) or 1
        seen = 0
        for w in members:
            times[w.id] = cue.start + (cue.end - cue.start) * seen / total
            seen += len(w.text) + 1
    return times


def split_at_unmatched(runs, words, keys, asr_keys):
    """The runs cut where the media between two neighbouring anchors is not their subtitle words.

    Between two anchors the recogniser may have heard clearly more words than
    the subtitles have (a line spoken but not subtitled), or, for a whole
    cue, nothing or quite other words (a line subtitled but not spoken). Forced alignment over such a
    stretch puts the cue's words on the other speech, or squeezes them into a
    pause; cut there, the words in between are placed (or not) a cue at a
    time, like words at a cut. The pieces keep their segment's offset.
    """
    first_of, last_of = {}, {}
    for w in words:
        first_of.setdefault(w.cue_index, w.id)
        last_of[w.cue_index] = w.id
    pieces = []
    for run in runs:
        current = [run.anchors[0]]
        for a, b in zip(run.anchors, run.anchors[1:]):
            said = [keys[i] for i in range(a.sub + 1, b.sub) if keys[i]]
            heard = asr_keys[a.asr + 1:b.asr]
            whole_cue = any(first_of[c] > a.sub and last_of[c] < b.sub
                            for c in range(words[a.sub].cue_index, words[b.sub].cue_index + 1))
            if len(heard) - len(said) >= EXTRA_WORDS or (
                    whole_cue and (len(heard) < len(said) / 2 or contradicts(said, heard))):
                pieces.append(Run(current, run.offset, run.ratio))
                current = []
            current.append(b)
        pieces.append(Run(current, run.offset, run.ratio))
    return pieces


def cue_edges(runs, anchors, words, cues, sub_times):
    """For each run, its first and last anchored words widened to their whole cues.

    A cut falls between cues, and Whisper often misses the first words after a
    pause: the words of a cue that precede its first anchor are spoken just
    before it, in the same stretch of media, not across a cut. Left out of the
    chunk, they would be squeezed into the audio of the words that follow.
    Where those words lie comes from the run's offset, or from matches that
    were too few to make a run of their own (a cue whose times are off).
    """
    first_of, last_of = {}, {}
    for w in words:
        first_of.setdefault(w.cue_index, w.id)
        last_of[w.cue_index] = w.id
    edges = []
    for k, run in enumerate(runs):
        first, last = run.anchors[0].sub, run.anchors[-1].sub
        previous = runs[k - 1].anchors[-1].sub if k else -1
        following = runs[k + 1].anchors[0].sub if k + 1 < len(runs) else len(words)
        lead = max(first_of[words[first].cue_index], previous + 1)
        tail = min(last_of[words[last].cue_index], following - 1)
        tail_end = sub_times[tail + 1] if tail < last_of[words[tail].cue_index] else cues[words[tail].cue_index].end
        lead_at, tail_at = run.media_time(sub_times[lead]), run.media_time(tail_end)
        strays = [a.media_time for a in anchors if lead <= a.sub < first and a.media_time > lead_at - CUE_REACH]
        strays_after = [a.media_time for a in anchors if last < a.sub <= tail and a.media_time < tail_at + CUE_REACH]
        edges.append((lead, min([lead_at] + strays) if lead < first else None,
                      tail, max([tail_at] + strays_after) if tail > last else None))
    return edges


def with_placed_segments(runs, timed, heard, words, sub_times):
    """``runs`` and a Run for each stretch of cues placed between them on an offset of its own.

    A segment of a cue or two (a line or two between two breaks) gives the map
    too few words to pay for its cuts, and its cues are placed afterwards
    (``gap``), on their speech, off both neighbouring runs' lines: the map's
    segments then miss the segment, and its cuts. A stretch of found cues none
    of whose words the runs matched, on one offset (within RUN_TOLERANCE),
    is a segment when that offset lies further than CUE_REACH (beyond hand
    timing's error) from the runs before and after it, and it lies between
    them, not among one run's matched words.
    """
    if not runs:
        return runs
    matched = {a.sub for r in runs for a in r.anchors}
    by_cue = {}
    for w in words:
        by_cue.setdefault(w.cue_index, []).extend([] if w.sound else [w.id])
    stretches, current = [], []
    for cue in sorted(by_cue):
        members = by_cue[cue]
        offset = _placed_offset(members, timed, heard, matched, sub_times, runs[0].ratio)
        if current and (offset is None or abs(offset - current[-1][1]) > RUN_TOLERANCE):
            stretches.append(current)
            current = []
        if offset is not None:
            current.append((members, offset))
    stretches += [current] if current else []
    out, placed = list(runs), []
    for stretch in stretches:
        ids = [i for members, _ in stretch for i in members]
        offset = sorted(o for _, o in stretch)[len(stretch) // 2]
        before = [r for r in runs if r.anchors[0].sub < ids[0]]
        after = [r for r in runs if r.anchors[0].sub > ids[-1]]
        # Inside a run's matched words the media is uncut: a cue placed off
        # its line there (on a line said twice, say) was misplaced.
        inside = before and before[-1].anchors[-1].sub > ids[-1]
        # Past a stretch found so, the media was cut already: the stretch is
        # the neighbour to differ from (seed 970164: -3.7 s between +7.9 and +5.4 s).
        if placed and (not before or placed[-1].anchors[0].sub > before[-1].anchors[0].sub):
            before = before + [placed[-1]]
        if not inside and all(abs(offset - r.offset) > CUE_REACH for r in before[-1:] + after[:1]):
            placed.append(Run([Anchor(i, -1, sub_times[i], timed[i].start) for i in ids], offset, runs[0].ratio))
    out += placed
    return sorted(out, key=lambda r: r.anchors[0].sub)


def _placed_offset(members, timed, heard, matched, sub_times, ratio):
    """The offset a cue's words were placed on, if found (all heard) and unmatched by the runs; else None."""
    if not members or any(i in matched or not heard[i] for i in members):
        return None
    offsets = sorted(timed[i].start - ratio * sub_times[i] for i in members)
    return offsets[len(offsets) // 2]


def describe(ratio, runs, sub_end):
    """The ``timing`` block of the result: offset, ratio and segments in subtitle time."""
    if not runs:
        return {"offset": 0.0, "ratio": 1.0, "segments": [], "cuts": 0}
    main = max(runs, key=lambda r: len(r.anchors))
    segments = []
    for k, run in enumerate(runs):
        start = 0.0 if k == 0 else run.anchors[0].sub_time
        end = sub_end if k == len(runs) - 1 else runs[k + 1].anchors[0].sub_time
        segments.append({"start": round(start, 3), "end": round(max(start, end), 3),
                         "offset": round(float(run.offset), 3), "ratio": round(run.ratio, 6),
                         "anchors": len(run.anchors)})
    return {"offset": round(float(main.offset), 3), "ratio": round(float(ratio), 6), "segments": segments,
            "cuts": len(runs) - 1}
