"""Speech the subtitles lack just before a chunk, and words the aligner pulled onto it.

Forced alignment places a chunk's words somewhere in its audio: where a line
the subtitles lack (or a cue the media lacks) runs into a cue, the cue's
first words go onto that line's end. This module says where such other
speech ends (``heard_before``), so that ``align.plan_chunks`` starts the
chunk after it, and aligns again the words that were pulled onto it anyway
(``after_other_speech``, ``realign_past``).
"""
from srtmedia.pipeline.text.words import normalize
from srtmedia.pipeline.timing import sync
from srtmedia.pipeline.timing.chunks import Chunk, chunk_tokens, store_times
from srtmedia.pipeline.timing.forced import int16_samples, shared_aligner, tokens_for
from srtmedia.pipeline.timing.gap import GAP_SLACK

LEAD_REACH = 0.25     # seconds after its cue's mapped start a chunk may begin, when it has words before its first anchor
RUN_ON_REACH = 0.35   # seconds before the recogniser's start of a word run on from other speech that its onset is sought
RUN_ON_EARLY = 0.15   # seconds the recogniser's end of a word may lie off the next word's onset
OTHER_WORDS = 2       # the other speech's last recognised words aligned with a chunk it runs on into
LEAD_WORDS = 2        # subtitle words before a chunk's first anchor looked for among the recognised words before it
EARLY = 0.3           # seconds before the recogniser's start a cue's first word glued on was pulled back
GLUED = 0.02          # seconds between two aligned words under which the second runs on from the first
LONE_PAUSE = 0.5      # seconds before a recognised word searched for the silence that leaves it alone
LONE_SLACK = 0.05     # seconds Whisper's start of a word may lie before its sound rises out of silence
MISHEARD_GAP = 0.3    # seconds between recognised words that part a cue's misheard first words from other speech


def other_speech_ends(pieces, edges, asr, matched_asr, cue_of, keys, asr_keys, energy):
    """{first word of a piece: where the other speech heard just before it ends} (``heard_before``),
    leaving out a lone word after a pause, which is the piece's own first syllable."""
    after = {}
    for piece, edge in zip(pieces, edges):
        anchor, first_word = piece.anchors[0], edge[0]
        end = heard_before(anchor, first_word, asr, matched_asr, cue_of, keys, asr_keys)
        if end is not None and not lone_after_pause(
                asr, first_heard(anchor, first_word, keys, asr_keys, matched_asr, asr) - 1, energy):
            after[first_word] = end
    return after


def heard_before(anchor, first_word, asr, matched_asr, cue_of, keys=None, asr_keys=None):
    """Where the other speech the recogniser heard just before ``anchor`` ends, or None.

    Only for a chunk that begins with its matched word (``first_word``), the
    first of a cue, or with words the recogniser heard as said just before
    it (``first_heard``): a word heard before those that matched nothing is a
    line the subtitles lack, or a mishearing of the cue before, never this
    chunk's. (Inside a cue, extra words are often a mishearing of its own.)
    """
    first = first_heard(anchor, first_word, keys, asr_keys, matched_asr, asr)
    j = first - 1
    if (anchor.sub - (anchor.asr - first) != first_word or j < 0 or j in matched_asr
            or not (asr[j].heard and asr[first].heard)
            or (first_word > 0 and cue_of[first_word - 1] == cue_of[first_word])):
        return None
    return min(asr[j].end, asr[first].start) - sync.WHISPER_LAG


def first_heard(anchor, first_word, keys=None, asr_keys=None, matched_asr=(), asr=None):
    """Index of the recognised word that starts the chunk whose first anchor is ``anchor``.

    The anchor's own, unless the up to LEAD_WORDS subtitle words before it
    from ``first_word`` were recognised just before it but left unmatched (a
    short word like "the" is seldom an anchor): those start it, and the
    speech before them is another's. They were heard word for word, or
    (given the recognised words ``asr``) misheard ("A printing" for "The
    printing") as as many words that run on into the anchor after a pause
    in what was heard (MISHEARD_GAP): the speech before that pause is no
    part of the cue's.
    """
    n = anchor.sub - first_word
    if keys is None or not 0 < n <= LEAD_WORDS or anchor.asr < n:
        return anchor.asr
    heard = range(anchor.asr - n, anchor.asr)
    if any(k in matched_asr or not asr_keys[k] for k in heard):
        return anchor.asr
    if [asr_keys[k] for k in heard] == keys[first_word:anchor.sub]:
        return anchor.asr - n
    return anchor.asr - n if asr is not None and _misheard_lead(asr, anchor.asr - n, anchor.asr) else anchor.asr


def _misheard_lead(asr, first, anchor):
    """Whether recognised words ``first``..``anchor`` - 1 follow a pause in what was heard and run on into ``anchor``."""
    if first == 0 or not all(asr[k].heard for k in range(first - 1, anchor + 1)):
        return False
    return (asr[first].start - asr[first - 1].end >= MISHEARD_GAP
            and all(asr[k + 1].start - asr[k].end < MISHEARD_GAP for k in range(first, anchor)))


def lone_after_pause(asr, j, energy):
    """Whether the recogniser's word ``j`` is alone after a pause: silence just before it, and its
    word before (if any) ends before that silence.

    Such a word heard just before a cue's first word is no line the subtitles
    lack running on into it, but that word's own first syllable heard as
    another ("We began" for "began", "and then" for "then").
    """
    start = asr[j].start - sync.WHISPER_LAG
    silence = energy.pause(start - LONE_PAUSE, start + LONE_SLACK)
    return silence is not None and (j == 0 or asr[j - 1].end - sync.WHISPER_LAG <= silence)


def runs_on(after, timed, energy):
    """The words other speech runs straight into: no pause between that speech's end
    (``after``, see ``heard_before``) and where they are aligned now."""
    return {k for k, end in after.items()
            if timed[k].start is not None and energy.pause(end - RUN_ON_EARLY, timed[k].start) is None}


def after_other_speech(timed, chunk, tokens, asr, first, audio, language):
    """Re-align a chunk whose first word other speech runs on into with that speech's last
    recognised words (up to OTHER_WORDS) before it.

    With no silence between, the chunk's start (where the recogniser put the
    boundary, or a stop near it) may lie inside the first word, which the
    aligner then starts there. Given the other words too, it parts the two.
    Returns whether it moved the chunk's first word.
    """
    j = first - 1
    others = [k for k in range(max(0, j - OTHER_WORDS + 1), j + 1) if asr[k].heard]
    others = [k for k in others if asr[k].start >= asr[j].start - 1.0]
    if not others:
        return False
    said = [t for k in others for t in tokens_for(normalize(asr[k].text), language)]
    start = max(chunk.start - 1.0, asr[others[0]].start - sync.WHISPER_LAG - 0.15)
    if not said or start >= chunk.start:
        return False
    own = chunk_tokens(tokens, chunk)
    times = shared_aligner().align(int16_samples(audio, start, chunk.end), said + own, start)
    if times is None:
        return False
    trial = list(timed)
    store_times(trial, tokens, chunk, times[len(said):])
    # Only the start may move, and not past where the recogniser's boundary is plausibly off.
    if 0 < timed[chunk.first].start - trial[chunk.first].start <= RUN_ON_REACH:
        timed[chunk.first:chunk.last + 1] = trial[chunk.first:chunk.last + 1]
        return True
    return False


def realign_past(timed, unspoken, chunks, run_of, tokens, asr, energy, audio, cues, cue_of, matched_asr=(),
                  after=None):
    """Re-align the rest of a chunk from a pause before a cue's first heard word, where its words
    were pulled back onto the speech before.

    After an ``unspoken`` cue: aligned with the line the subtitles lack that
    it was spread over, its last words pull the next cue's first words onto
    that line's end. Elsewhere: a cue's first word the aligner glued onto the
    tail of the cue before, EARLY or more before the recogniser heard it, was
    pulled over a pause a bed kept from being silent. Aligned from
    the pause before the cue (found as ``align.plan_chunks`` finds a chunk's
    start), they keep to their own speech.
    """
    for chunk, run in zip(chunks, run_of):
        heard_all = {a.sub: a for a in run.anchors if asr[a.asr].heard and chunk.first <= a.sub <= chunk.last}
        ends = [i + 1 for i in range(chunk.first, chunk.last) if i in unspoken and i + 1 not in unspoken]
        for nxt in ends[-1:] + _pulled_early(timed, chunk, heard_all, asr, cue_of, matched_asr):
            heard = {k: a for k, a in heard_all.items() if k >= nxt}
            if heard:
                _realign_from(timed, nxt, heard[min(heard)], chunk, run, tokens, asr, energy, audio, cues, cue_of,
                              matched_asr, after)


def _pulled_early(timed, chunk, heard, asr, cue_of, matched_asr=()):
    """The first words of the chunk's cues (after its first) glued onto the previous word's end and
    EARLY or more before the recogniser heard them: as the cue's anchor, or as up to LEAD_WORDS
    unmatched words (misheard) just before it, after a matched word or a pause in what was heard."""
    out = []
    for k, a in sorted(heard.items()):
        first = next((j for j in range(k, max(chunk.first, k - LEAD_WORDS) - 1, -1)
                      if j == chunk.first or cue_of[j - 1] != cue_of[j]), None)
        if (first is None or first == chunk.first or first in out or cue_of[first] != cue_of[k]
                or timed[first].start is None or timed[first - 1].end is None
                or timed[first].start - timed[first - 1].end >= GLUED):
            continue
        said = a.asr - (k - first)
        if any(j < 0 or j in matched_asr or not asr[j].heard for j in range(said, a.asr)):
            continue
        if said > 0 and said - 1 not in matched_asr and asr[said].start - asr[said - 1].end < MISHEARD_GAP:
            # More words were heard than the cue has before its anchor: counted back, the one
            # taken for its first is another ("it come a" for "thick covered").
            continue
        if asr[said].start - sync.WHISPER_LAG - timed[first].start >= EARLY:
            out.append(first)
    return out


def _realign_from(timed, nxt, first, chunk, run, tokens, asr, energy, audio, cues, cue_of, matched_asr, after):
    """Align words ``nxt``.. of ``chunk`` again from the pause before ``first``, their first heard anchor."""
    heard_at, lead = asr[first.asr].start, run.media_time(cues[cue_of[nxt]].start)
    other_end = heard_before(first, nxt, asr, matched_asr, cue_of)
    if other_end is not None and after is not None:
        after[nxt] = other_end
    start = (pause_before(energy, heard_at, lead, other_end)
             or energy.quietest(heard_at - RUN_ON_REACH, heard_at + 0.05, width=0.03)[0])
    if start is None or timed[nxt].start is None or timed[nxt].start >= start or start <= chunk.start:
        return
    part = Chunk(nxt, chunk.last, start, chunk.end)
    times = shared_aligner().align(int16_samples(audio, part.start, part.end), chunk_tokens(tokens, part),
                                   part.start)
    if times is not None:
        store_times(timed, tokens, part, times)


def pause_before(energy, heard_at, lead=None, after=None):
    """Where a chunk starting with a word heard at ``heard_at`` begins: the pause before it,
    no later than LEAD_REACH after ``lead`` (its cue's mapped start), or None.

    Where other speech heard just before the word ends (``after``), the chunk
    begins between the two: the pause there, or where a line run on into the
    word is quietest. A pause before that lies inside the other speech (a
    stop, a comma), and from it the aligner pulled the word onto its end.
    """
    if after is not None:
        # Whisper may start the word late: with no silence between, the quietest
        # point after the other speech's end may be a stop inside the word.
        lo, hi = max(after - RUN_ON_EARLY, heard_at - 1.0), heard_at + 0.05
        return energy.pause(lo, hi) or energy.quietest(lo, min(hi, after + RUN_ON_EARLY), width=0.03)[0]
    if lead is None:
        return energy.pause(heard_at - 1.0, heard_at + 0.05)
    return energy.pause(min(heard_at - 1.0, lead - GAP_SLACK), min(heard_at + 0.05, lead + LEAD_REACH))
