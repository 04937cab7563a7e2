"""A stretch of media and the subtitle words said in it, the unit forced alignment works on."""
from dataclasses import dataclass

import numpy as np

from srtmedia.pipeline.model import TimedWord


@dataclass
class Chunk:
    """Subtitle words ``first``..``last`` and the media seconds they are aligned in."""

    first: int        # subtitle word indices, inclusive
    last: int
    start: float      # media seconds
    end: float


def chunk_tokens(tokens, chunk):
    """The aligner tokens of the chunk's words, in order."""
    return [t for i in range(chunk.first, chunk.last + 1) for t in tokens[i]]


def store_times(timed, tokens, chunk, times):
    """Spread token times back onto the chunk's words (a number may be several tokens)."""
    pos = 0
    for i in range(chunk.first, chunk.last + 1):
        n = len(tokens[i])
        if n:
            span = times[pos:pos + n]
            score = float(np.mean([s for _, _, s in span]))
            timed[i] = TimedWord(round(span[0][0], 3), round(span[-1][1], 3), round(score, 3))
            pos += n
