"""Whether words placed in a gap were said there: plausible lengths and voicing, matches beyond
chance, and the part of a stretch of recognised speech that resembles a cue (``gap.Gap``)."""
from srtmedia.pipeline.timing import sync

WORD_LEAST = 0.03     # seconds: the aligner's least time for a word (one phone, three 10 ms states)
WORD_SHORT = 0.06     # seconds: few words said are shorter
WORD_LONGEST = 1.5    # seconds: no word said is longer; the aligner stretched it over a pause
PHRASE_GAP = 0.3      # seconds: recognised words further apart may be two speakers' lines (a sentence's pause)
WORD_CUT_ALIKE = 0.75  # likeness a line cut from other speech at any word needs: many more parts to choose from
VOICED_WORD = 0.4     # share of a word's frames louder than silence under which it lies mostly on a pause
VOICED_ALL = 0.6      # ... and of all the words tried together, under which they were not said there


def chance_match(members, matched):
    """True when no more of a cue's words were matched than chance explains: none, or one
    of four or more (a "the" of the next line's speech)."""
    count = sum(i in matched for i in members)
    return count == 0 or (count == 1 and len(members) >= sync.CHANCE_MATCH_WORDS)


def alike_part(stretch, keys):
    """(start, end) of the part of a stretch of recognised words most like ``keys``, if alike: the
    whole stretch, or its phrases from its start or up to its end; else None.

    A line said just after (or before) other speech, an advert in a break
    say, with no more than a sentence's pause between, is one stretch with
    it, which as a whole resembles neither; the line is the phrases at the
    stretch's edge. Only the most alike part is tried: one that takes in a
    phrase of the other speech as well may still be alike, and the line
    aligned there would start on it. Parts inside a stretch are not tried:
    the more parts, the likelier one resembles a line by chance. A line run
    on from other speech with no pause at all (seed 940184: "...standard
    time, and they sent it down") is the words at the stretch's edge from
    any word on, which must then be much more alike (WORD_CUT_ALIKE).
    """
    cuts = [n for n in range(1, len(stretch)) if stretch[n][0] - stretch[n - 1][1] >= PHRASE_GAP]
    at_pauses = [(0, len(stretch))] + [(0, n) for n in cuts] + [(n, len(stretch)) for n in cuts]
    at_words = [p for n in range(1, len(stretch)) if n not in cuts for p in ((0, n), (n, len(stretch)))]
    alike = [(score, a, b) for parts, least in ((at_pauses, sync.HEARD_ALIKE), (at_words, WORD_CUT_ALIKE))
             for a, b in parts if (score := sync.likeness(keys, [k for _, _, k in stretch[a:b]])) >= least]
    if not alike:
        return None
    _, a, b = max(alike)
    return stretch[a][0], stretch[b - 1][1]


def voiced_enough(voiced, lengths):
    """Whether words whose ``voiced`` shares of sound over ``lengths`` seconds lie on speech.

    All together firmly; word by word loosely: a word may run on over a
    comma's pause, and a short word after one ("the sun, the pattern") may
    be stretched back into it, so one word in five may lie mostly on the
    pause. Squeezed into a pause or onto a break, most words do.
    """
    weak = sum(v < VOICED_WORD for v in voiced)
    return weak <= len(voiced) // 5 and sum(v * n for v, n in zip(voiced, lengths)) >= VOICED_ALL * sum(lengths)


def plausible_lengths(lengths):
    """Whether words lasting ``lengths`` seconds were said, not squeezed into a pause.

    Squeezed, every word gets the aligner's least time; said, a word as short
    as "a" may take 50 ms, but few words in a line do.
    """
    short = sum(n < WORD_SHORT for n in lengths)
    return all(WORD_LEAST <= n <= WORD_LONGEST for n in lengths) and short <= max(1, len(lengths) // 5)
