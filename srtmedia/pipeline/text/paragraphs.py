"""The built-in text engine: subtitle words to sentences and paragraphs, offline.

Sentences come from ``pysbd`` when the subtitles are punctuated, and from
pauses between cues and speaker changes when they are not (auto-captions).
pysbd has rules for 23 languages (``pysbd.languages.LANGUAGE_CODES``); text in
any other language is split by its English rules, which still end a sentence
at ``. ! ? …`` (and ``。！？`` ``؟`` ``।``) but know only English abbreviations.
Paragraphs are chosen by dynamic programming over the sentence boundaries:
each boundary earns points for a pause, a speaker change, a nearby sound tag
and a topic shift (TextTiling-style lexical cohesion), within size bounds.
"""
import re
from collections import Counter

import pysbd
from pysbd.languages import LANGUAGE_CODES

from srtmedia import __version__
from srtmedia.pipeline.model import Document, Sentence, Token
from srtmedia.pipeline.text.scripts import full_stop, is_unspaced, join_words
from srtmedia.pipeline.text.words import ends_sentence, normalize

SENTENCE_PAUSE = 0.8       # seconds between cues that end an unpunctuated sentence
PARAGRAPH_PAUSE = 2.0      # seconds of silence that alone justify a new paragraph
MAX_SENTENCE_WORDS = {True: 60, False: 30}  # by "text is punctuated"
MIN_PARAGRAPH = (2, 30)    # sentences, words
MAX_PARAGRAPH = (8, 180)
TARGET_PARAGRAPH_WORDS = 90
TOPIC_WINDOW = 6           # sentences on each side compared for a topic shift
TOPIC_DECAY = 0.7          # weight of a sentence one step further from the boundary
PYSBD_WINDOW = 250         # words per pysbd call: its cost grows faster than linearly

_NO_BREAK_AFTER = {"mr", "mrs", "ms", "dr", "st", "prof", "mt", "jr", "sr", "vs", "no"}
# Titles before a name in the languages pysbd splits after them (Spanish "Sr.", German "Hr.").
_TITLES = {"mr", "mrs", "ms", "dr", "dra", "prof", "sr", "sra", "srta", "hr", "frl", "mme", "mlle"}
_CONJUNCTIONS = {"and", "but", "so", "because", "then", "or", "which", "when", "while"}
_CLOSERS = "\"'”’)]»」』）"
_STOP_WORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
get got had has have having he her here hers herself him himself his how i if in into is it its
itself just know let like me more most my myself no nor not now of off oh okay ok on once only
or other our ours ourselves out over own really right same say said she should so some such than
that the their theirs them themselves then there these they this those through to too under
until up us very was we well were what when where which while who whom why will with would yeah
yes you your yours yourself yourselves gonna wanna going go come one two thing things
""".split())


def check_coverage(document, count):
    """Raise AssertionError unless the tokens' word ids are exactly ``0..count-1`` in order."""
    ids = [t.word_id for paragraph in document.paragraphs for s in paragraph for t in s.tokens]
    if ids != list(range(count)):
        raise AssertionError(f"text engine placed {len(ids)} word ids, not each of 0..{count - 1} once in order")


class Timeline:
    """Estimated times of words: each cue's span shared by character count."""

    def __init__(self, words, cues):
        by_index = {cue.index: cue for cue in cues}
        self.times = {}
        for cue_index, group in _group_by_cue(words):
            cue = by_index.get(cue_index)
            if cue is None:
                continue
            total = sum(len(w.text) + 1 for w in group)
            clock = cue.start
            for w in group:
                step = (cue.end - cue.start) * (len(w.text) + 1) / total
                self.times[w.id] = (clock, clock + step)
                clock += step

    def start(self, word):
        return self.times.get(word.id, (0.0, 0.0))[0]

    def end(self, word):
        return self.times.get(word.id, (0.0, 0.0))[1]

    def gap(self, before, after):
        """Silence between two words; 0 inside one cue."""
        if before.cue_index == after.cue_index:
            return 0.0
        return max(0.0, self.start(after) - self.end(before))


def _group_by_cue(words):
    groups = []
    for w in words:
        if groups and groups[-1][0] == w.cue_index:
            groups[-1][1].append(w)
        else:
            groups.append((w.cue_index, [w]))
    return groups


class BuiltinEngine:
    """Deterministic offline sentences and paragraphs."""

    name = "builtin"

    def __init__(self, language="en"):
        self.language = (language or "en").lower().replace("_", "-").split("-")[0]
        self.rules = self.language if self.language in LANGUAGE_CODES else "en"
        self._segmenter = pysbd.Segmenter(language=self.rules, clean=False)

    @property
    def engine_info(self):
        return {"name": self.name, "model": f"pysbd {pysbd.__version__}", "version": __version__,
                "sentence_rules": self.rules}

    def build(self, words, cues, progress=None):
        """Sentences grouped into paragraphs for ``words``; every word placed once, in order."""
        report = progress or (lambda fraction, message: None)
        report(0.0, "Splitting sentences")
        timeline = Timeline(words, cues)
        spans = self.split_sentences(words, timeline)
        report(0.5, f"Grouping {len(spans)} sentences into paragraphs")
        sentences = [self.repair(span) for span in spans]
        starts = paragraph_starts(spans, timeline)
        document = Document(paragraphs=assemble(sentences, starts), engine=self.engine_info)
        check_coverage(document, len(words))
        report(1.0, f"{len(document.paragraphs)} paragraphs")
        return document

    def split_sentences(self, words, timeline):
        """Lists of consecutive words, one per sentence; a run of sound tags is its own list."""
        punctuated = _looks_punctuated(words)
        spans = []
        for run in _runs(words):
            if run[0].sound:
                spans.append(run)
                continue
            starts = self._punctuation_starts(run) if punctuated else set()
            starts |= _pause_starts(run, timeline, punctuated)
            for span in _cut(run, starts):
                spans.extend(_split_long(span, timeline, MAX_SENTENCE_WORDS[punctuated]))
        return spans

    def repair(self, span, texts=None):
        """A Sentence for ``span`` with a capital start and a final mark.

        ``texts`` replaces the words' own texts (one per word), e.g. as an LLM wrote them.
        """
        if span[0].sound:
            return Sentence([Token(" ".join(w.text.split()), w.id) for w in span], sound=True)
        texts = [_tidy(t) for t in (texts or [w.text for w in span])]
        if self.language == "en":
            texts = [_capital_i(t) for t in texts]
        first = _first_spoken(texts)
        texts[first] = _capitalize(texts[first])
        texts[-1] = _terminate(texts[-1])
        return Sentence([Token(t, w.id) for t, w in zip(texts, span)])

    def _punctuation_starts(self, run):
        """Positions in ``run`` where pysbd starts a sentence, read window by window."""
        starts, begin = set(), 0
        while begin < len(run):
            window = run[begin:begin + PYSBD_WINDOW]
            cuts = self._segment(window)
            if begin + PYSBD_WINDOW >= len(run):
                starts.update(begin + c for c in cuts)
                break
            # The last sentence may run past the window: read it again in the next one.
            confirmed = cuts[:-1] if len(cuts) > 1 else cuts
            starts.update(begin + c for c in confirmed)
            begin += confirmed[-1] if confirmed else len(window)
        return starts

    def _segment(self, window):
        text = join_words(w.text for w in window)
        ends, total = [], 0
        for w in window:
            total += len("".join(w.text.split()))
            ends.append(total)
        chunks = self._segmenter.segment(text)
        if sum(len("".join(c.split())) for c in chunks) != total:
            return _regex_starts(window)  # pysbd changed the text: trust only the marks
        cuts, consumed = [], 0
        position = {end: i + 1 for i, end in enumerate(ends)}
        for chunk in chunks[:-1]:
            consumed += len("".join(chunk.split()))
            cut = position.get(consumed)
            if cut is not None and cut < len(window) and normalize(window[cut - 1].text) not in _TITLES:
                cuts.append(cut)
        return cuts


def _looks_punctuated(words):
    speech = [w for w in words if not w.sound]
    marks = sum(1 for w in speech if ends_sentence(w.text))
    return marks > 0 and marks * 60 >= len(speech)


def _runs(words):
    """Consecutive words split at sound/speech changes and at speaker changes."""
    runs = []
    for w in words:
        if runs and runs[-1][-1].sound == w.sound and not w.speaker_change:
            runs[-1].append(w)
        else:
            runs.append([w])
    return runs


def _regex_starts(window):
    return [
        i + 1 for i in range(len(window) - 1)
        if ends_sentence(window[i].text) and (window[i + 1].text[:1].isupper() or is_unspaced(window[i + 1].text[:1]))
        and normalize(window[i].text) not in _NO_BREAK_AFTER
    ]


def _pause_starts(run, timeline, punctuated):
    """Sentence starts at pauses: any cue gap when unpunctuated, else only where
    a cue ends without any mark and the next one starts with a capital."""
    starts = set()
    for i in range(1, len(run)):
        before, after = run[i - 1], run[i]
        if timeline.gap(before, after) < SENTENCE_PAUSE or normalize(before.text) in _NO_BREAK_AFTER:
            continue
        if not punctuated or (before.text[-1:].isalnum() and _may_start_sentence(after.text)):
            starts.add(i)
    return starts


def _may_start_sentence(text):
    """A capital, or a script without capitals (Chinese, Japanese)."""
    return _starts_capital(text) or is_unspaced(text[:1])


def _starts_capital(text):
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and letters[0].isupper() and normalize(text) not in {"i", "i'm", "i'll", "i've", "i'd"}


def _cut(run, starts):
    edges = sorted({0, len(run)} | {s for s in starts if 0 < s < len(run)})
    return [run[a:b] for a, b in zip(edges, edges[1:])]


def _split_long(span, timeline, limit):
    """Split ``span`` until no part is longer than ``limit`` words, at the best pause."""
    if len(span) <= limit:
        return [span]
    margin = max(2, limit // 4)

    def score(k):
        before, after = span[k - 1], span[k]
        if normalize(before.text) in _NO_BREAK_AFTER:
            return float("-inf")
        value = timeline.gap(before, after)
        value += 0.5 if before.text[-1:] in ",;:—" else 0.0
        value += 0.3 if normalize(after.text) in _CONJUNCTIONS else 0.0
        return value - 0.01 * abs(k - len(span) / 2)

    best = max(range(margin, len(span) - margin + 1), key=score)
    return _split_long(span[:best], timeline, limit) + _split_long(span[best:], timeline, limit)


def _tidy(text):
    text = " ".join(text.split())
    return re.sub(r"\s+([,.;:!?%)\]])", r"\1", text)


def _capital_i(text):
    return re.sub(r"^([\"'“‘(]*)i(?=$|'|’|[,.;:!?])", r"\1I", text)


def _first_spoken(texts):
    """Index of the first word after a speaker label such as ``DR. SMITH:``."""
    for i, t in enumerate(texts[:3]):
        if not t.isupper():
            break
        if t.endswith(":") and i + 1 < len(texts):
            return i + 1
    return 0


def _capitalize(text):
    for i, char in enumerate(text):
        if char.isalpha():
            if char.islower() and not any(c.isupper() for c in text[i + 1:]):
                return text[:i] + char.upper() + text[i + 1:]
            return text
    return text


def _terminate(text):
    if ends_sentence(text) or text.endswith(("—", "-")):
        return text
    body = text.rstrip(_CLOSERS)
    closers = text[len(body):]
    return body.rstrip(",;:、，：；") + closers + full_stop(body)


def paragraph_starts(spans, timeline):
    """For each sentence span, whether a paragraph starts with it."""
    if not spans:
        return []
    rewards = [0.0] + [_boundary_reward(spans, j, timeline) for j in range(1, len(spans))]
    _add_topic_shifts(spans, rewards)
    sizes = [0 if s[0].sound else len(s) for s in spans]
    return _best_breaks(rewards, sizes)


def _boundary_reward(spans, j, timeline):
    """Points for a paragraph break before sentence ``j``, less the cost of a break."""
    before, after = spans[j - 1], spans[j]
    gap = timeline.gap(before[-1], after[0])
    pause = 1.5 * min(1.0, max(0.0, (gap - 0.6) / (PARAGRAPH_PAUSE - 0.6)))
    pause += min(0.5, max(0.0, gap - PARAGRAPH_PAUSE) / 4)
    speaker = 0.8 if after[0].speaker_change else 0.0
    sound = 0.4 if before[0].sound or after[0].sound else 0.0
    return pause + speaker + sound - 1.0


def _add_topic_shifts(spans, rewards):
    """Add points where the vocabulary of the sentences before and after differs (TextTiling)."""
    bags = [Counter() if s[0].sound else Counter(_content_terms(s)) for s in spans]
    similarity = [None] * len(spans)
    for j in range(1, len(spans)):
        left = _weighted(reversed(bags[max(0, j - TOPIC_WINDOW):j]))
        right = _weighted(bags[j:j + TOPIC_WINDOW])
        if left and right:
            similarity[j] = _cosine(left, right)
    for j in range(1, len(spans)):
        if similarity[j] is not None:
            rewards[j] += min(1.5, 1.5 * _depth(similarity, j))


def _weighted(bags):
    """One bag of terms, nearer sentences counting more, so the lowest point is sharp."""
    total = {}
    for distance, bag in enumerate(bags):
        for term, count in bag.items():
            total[term] = total.get(term, 0.0) + count * TOPIC_DECAY ** distance
    return total


def _content_terms(span):
    keys = [normalize(w.text).replace("'", "") for w in span]
    for key in keys:
        if len(key) > 2 and key not in _STOP_WORDS and not key.isdigit():
            yield _stem(key)
    # Chinese and Japanese words are one character each here: pairs of
    # neighbouring characters stand in for words (most Chinese words are two).
    for a, b in zip(keys, keys[1:]):
        if len(a) == len(b) == 1 and is_unspaced(a) and is_unspaced(b):
            yield a + b


def _stem(key):
    for suffix in ("ing", "ed", "es", "s"):
        if key.endswith(suffix) and len(key) - len(suffix) >= 4:
            return key[: -len(suffix)]
    return key


def _cosine(a, b):
    dot = sum(count * b.get(term, 0.0) for term, count in a.items())
    norm = (sum(c * c for c in a.values()) * sum(c * c for c in b.values())) ** 0.5
    return dot / norm if norm else 0.0


def _depth(similarity, j):
    """How far the similarity at ``j`` sits below the peaks on either side."""
    value = similarity[j]
    peaks = []
    for step in (-1, 1):
        peak, k = value, j + step
        while 0 < k < len(similarity) and similarity[k] is not None and similarity[k] >= peak:
            peak, k = similarity[k], k + step
        peaks.append(peak)
    return (peaks[0] - value) + (peaks[1] - value)


def _best_breaks(rewards, sizes):
    """Paragraph starts maximising boundary rewards under the size bounds."""
    n = len(sizes)
    best = [0.0] + [float("-inf")] * n
    choice = [0] * (n + 1)
    for end in range(1, n + 1):
        words = 0
        for begin in range(end - 1, max(-1, end - MAX_PARAGRAPH[0] - 1), -1):
            words += sizes[begin]
            if end - begin > 1 and words > MAX_PARAGRAPH[1]:
                break
            value = best[begin] + (rewards[begin] if begin else 0.0) + _size_cost(end - begin, words)
            if value > best[end]:
                best[end], choice[end] = value, begin
    starts, end = [False] * n, n
    while end > 0:
        starts[choice[end]] = True
        end = choice[end]
    return starts


def _size_cost(sentences, words):
    cost = -0.15 * ((words - TARGET_PARAGRAPH_WORDS) / TARGET_PARAGRAPH_WORDS) ** 2
    if sentences < MIN_PARAGRAPH[0] and words < MIN_PARAGRAPH[1]:
        cost -= 1.2
    elif words < MIN_PARAGRAPH[1]:
        cost -= 0.4
    return cost


def assemble(sentences, starts):
    """Paragraphs (lists of sentences) from sentences and their paragraph-start flags."""
    paragraphs = []
    for sentence, start in zip(sentences, starts):
        if start or not paragraphs:
            paragraphs.append([])
        paragraphs[-1].append(sentence)
    return paragraphs
