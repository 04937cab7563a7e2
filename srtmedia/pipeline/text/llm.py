"""The LLM text engine: punctuation, casing and paragraphs from an OpenAI-compatible server.

Works with any server speaking ``POST {base_url}/chat/completions`` (Ollama,
vLLM, llama.cpp server, OpenAI); ``base_url`` includes the version path, e.g.
``http://localhost:11434/v1``.  Only the standard library is used.

The speech words (sound tags are kept out of the prompt) are sent in numbered
parts of about ``chunk_words`` words.  The last sentence of a part may be cut
off, so it is dropped and the next part starts with it.  The model answers
JSON ``{"paragraphs": [{"sentences": ["..."]}]}`` and the answer is accepted
only when its words, after ``normalize()``, are exactly the words sent.

Fallback: a part the model gets wrong (bad JSON, changed words, an HTTP error
status) is done by the built-in engine and the model is asked about the next
part.  When the server cannot be reached, times out, refuses the credentials,
or fails three parts in a row, the built-in engine does all the rest at once;
when no part came from the model, it does the whole input, as if chosen.
Each fallback adds a sentence to ``Document.warnings``.  A sound tag inside a
sentence the model wrote ends that sentence, as in the built-in engine.
"""
import http.client
import json
import re
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

from srtmedia import __version__
from srtmedia.pipeline.model import Document
from srtmedia.pipeline.text.paragraphs import (
    MAX_PARAGRAPH, SENTENCE_PAUSE, BuiltinEngine, Timeline, assemble, check_coverage, paragraph_starts,
)
from srtmedia.pipeline.text.words import normalize

CHUNK_WORDS = 400
MAX_FAILURES_IN_A_ROW = 3

SYSTEM_PROMPT = (
    "You restore punctuation, capital letters and paragraph breaks in transcripts made "
    "from subtitles. Never add, remove, reorder, merge, split or respell words: change "
    "only punctuation attached to words and the case of letters. Lines in parentheses "
    "such as (pause) or (new speaker) are notes about the audio, not words. Group the "
    "sentences into paragraphs of a few sentences; start a new paragraph where the "
    "speaker or the topic changes or after a long pause. Answer with JSON only, exactly "
    'in this form: {"paragraphs": [{"sentences": ["First sentence.", "Second one?"]}]}'
)


class Rejected(Exception):
    """The model's answer for one part cannot be used."""


class Unavailable(Exception):
    """The server cannot be used at all (unreachable, timed out, credentials refused)."""


@dataclass
class Draft:
    """One sentence of speech words; ``texts`` as the model wrote them, None for built-in."""

    words: list
    texts: list | None
    new_paragraph: bool


class LLMEngine:
    """Sentences and paragraphs written by a chat-completions model, checked word by word."""

    name = "llm"

    def __init__(self, base_url, model, api_key="", timeout=60.0, chunk_words=CHUNK_WORDS,
                 language="en", json_mode=True):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.chunk_words = max(20, int(chunk_words))
        self.json_mode = json_mode  # ask for response_format json_object
        self.builtin = BuiltinEngine(language)

    def build(self, words, cues, progress=None):
        """Sentences grouped into paragraphs for ``words``; every word placed once, in order."""
        report = progress or (lambda fraction, message: None)
        timeline = Timeline(words, cues)
        speech = [w for w in words if not w.sound]
        drafts, warnings, answered = self._draft(speech, timeline, report)
        if answered:
            _bound_paragraphs(drafts, timeline)
            sentences, starts = self._interleave_sound(words, drafts)
            document = Document(paragraphs=assemble(sentences, starts), warnings=warnings,
                                engine={"name": self.name, "model": self.model, "version": __version__})
        else:
            # Nothing came from the model: the built-in engine sees the whole input at once.
            document = self.builtin.build(words, cues)
            document.warnings = warnings
        document.engine["parts_by_llm"] = answered
        check_coverage(document, len(words))
        report(1.0, f"{len(document.paragraphs)} paragraphs")
        return document

    def _draft(self, speech, timeline, report):
        """Drafts covering ``speech`` in order, the warnings, and how many parts the model did."""
        drafts, warnings = [], []
        answered = failures = begin = 0
        carried_start = True
        while begin < len(speech):
            chunk = speech[begin:begin + self.chunk_words]
            final = begin + len(chunk) >= len(speech)
            report(begin / len(speech), f"Asking {self.model} about words {begin + 1}–{begin + len(chunk)}")
            try:
                part = self._ask(chunk, timeline)
                answered, failures = answered + 1, 0
            except Unavailable as error:
                warnings.append(f"The language model at {self.base_url} could not be used ({error}); "
                                f"the built-in engine did words {begin + 1}–{len(speech)}.")
                return drafts + self._fallback(speech[begin:], timeline, carried_start), warnings, answered
            except Rejected as error:
                failures += 1
                warnings.append(f"The language model's answer for words {begin + 1}–{begin + len(chunk)} "
                                f"was not used ({error}); the built-in engine did that part.")
                part = self._fallback(chunk, timeline)
            dropped = part.pop() if not final and len(part) > 1 else None  # may be cut off
            part[0].new_paragraph = carried_start
            drafts.extend(part)
            begin += sum(len(d.words) for d in part)
            carried_start = dropped.new_paragraph if dropped else False
            if failures >= MAX_FAILURES_IN_A_ROW and begin < len(speech):
                warnings.append(f"The language model failed {failures} parts in a row; "
                                f"the built-in engine did words {begin + 1}–{len(speech)}.")
                return drafts + self._fallback(speech[begin:], timeline, carried_start), warnings, answered
        return drafts, warnings, answered

    def _fallback(self, chunk, timeline, first_starts=True):
        spans = self.builtin.split_sentences(chunk, timeline)
        starts = paragraph_starts(spans, timeline)
        starts[0] = first_starts
        return [Draft(span, None, start) for span, start in zip(spans, starts)]

    def _ask(self, chunk, timeline):
        """Drafts for ``chunk`` as the model wrote them; Rejected or Unavailable on failure."""
        answer = self._complete(_prompt(chunk, timeline))
        paragraphs = _parse_answer(answer)
        return _match_words(paragraphs, chunk)

    def _complete(self, prompt):
        payload = {
            "model": self.model,
            "temperature": 0,
            "messages": [{"role": "system", "content": SYSTEM_PROMPT},
                         {"role": "user", "content": prompt}],
        }
        if self.json_mode:
            payload["response_format"] = {"type": "json_object"}
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(f"{self.base_url}/chat/completions", method="POST",
                                         data=json.dumps(payload).encode("utf-8"), headers=headers)
        body = _send(request, self.timeout)
        try:
            return json.loads(body)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise Rejected("the server's reply is not a chat completion") from None

    def _interleave_sound(self, words, drafts):
        """Sentences in word order: drafts cut where sound tags fall, sound runs on their own."""
        owner = {w.id: (draft, i) for draft in drafts for i, w in enumerate(draft.words)}
        sentences, starts, group = [], [], []

        def close():
            if not group:
                return
            if group[0].sound:
                sentences.append(self.builtin.repair(group))
                starts.append(False)
            else:
                draft, first = owner[group[0].id]
                texts = draft.texts[first:first + len(group)] if draft.texts else None
                sentences.append(self.builtin.repair(list(group), texts))
                starts.append(draft.new_paragraph and first == 0)
            group.clear()

        for w in words:
            if group and (w.sound != group[0].sound or
                          (not w.sound and owner[w.id][0] is not owner[group[0].id][0])):
                close()
            group.append(w)
        close()
        return sentences, starts


def _bound_paragraphs(drafts, timeline):
    """Split paragraphs longer than the built-in bounds where the built-in engine would."""
    begins = [i for i, d in enumerate(drafts) if d.new_paragraph] + [len(drafts)]
    for begin, end in zip(begins, begins[1:]):
        group = drafts[begin:end]
        if len(group) > MAX_PARAGRAPH[0] or sum(len(d.words) for d in group) > MAX_PARAGRAPH[1]:
            starts = paragraph_starts([d.words for d in group], timeline)
            for draft, start in zip(group, starts):
                draft.new_paragraph = start


def _send(request, timeout):
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        if error.code in (401, 403, 404):
            raise Unavailable(f"HTTP {error.code} {error.reason}") from None
        raise Rejected(f"HTTP {error.code} {error.reason}") from None
    except http.client.HTTPException as error:
        raise Rejected(f"broken HTTP reply: {error!r}") from None
    except (TimeoutError, socket.timeout):
        raise Unavailable(f"no answer within {timeout:g} s") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise Unavailable(f"no answer within {timeout:g} s") from None
        raise Unavailable(f"cannot connect: {reason}") from None


def _prompt(chunk, timeline):
    lines = []
    for i, w in enumerate(chunk):
        if i and w.speaker_change:
            lines.append("(new speaker)")
        elif i and timeline.gap(chunk[i - 1], w) >= SENTENCE_PAUSE:
            lines.append("(pause)")
        lines.append(f"{i + 1} {w.text}")
    return (f"Here are {len(chunk)} numbered words of a transcript, one per line.\n\n"
            + "\n".join(lines)
            + f"\n\nWrite all {len(chunk)} words, without their numbers, in the same order, "
              "as punctuated sentences grouped into paragraphs. Answer with the JSON only.")


def _parse_answer(content):
    """The answer's paragraphs as lists of sentence strings."""
    fenced = re.search(r"```(?:json)?\s*(.*?)```", content, re.DOTALL)
    try:
        data = json.loads(fenced.group(1) if fenced else content)
    except ValueError:
        raise Rejected("the answer is not valid JSON") from None
    paragraphs = data.get("paragraphs") if isinstance(data, dict) else None
    if not isinstance(paragraphs, list) or not paragraphs:
        raise Rejected('the answer has no "paragraphs" list')
    result = []
    for paragraph in paragraphs:
        sentences = paragraph.get("sentences") if isinstance(paragraph, dict) else paragraph
        if not isinstance(sentences, list) or not all(isinstance(s, str) for s in sentences):
            raise Rejected("a paragraph is not a list of sentence strings")
        sentences = [s for s in sentences if s.strip()]
        if sentences:
            result.append(sentences)
    if not result:
        raise Rejected("the answer has no sentences")
    return result


def _match_words(paragraphs, chunk):
    """Drafts pairing each written token with its word; Rejected unless the words are the same."""
    drafts, position = [], 0
    for paragraph in paragraphs:
        for number, sentence in enumerate(paragraph):
            tokens = _tokens(sentence)
            if not tokens:
                raise Rejected(f"the sentence {sentence!r} has no words")
            for offset, token in enumerate(tokens):
                expected = chunk[position + offset] if position + offset < len(chunk) else None
                if expected is None or normalize(token) != _key(expected):
                    raise Rejected(_mismatch(token, expected, position + offset))
            drafts.append(Draft(chunk[position:position + len(tokens)], tokens, number == 0))
            position += len(tokens)
    if position < len(chunk):
        raise Rejected(f"it left out {chunk[position].text!r} (word {position + 1}) and what follows")
    return drafts


def _key(word):
    return normalize(word.text) or word.text.strip()


def _mismatch(token, expected, index):
    if expected is None:
        return f"it added {token!r} after the last word"
    return f"it wrote {token!r} where word {index + 1} is {expected.text!r}"


def _tokens(sentence):
    """Whitespace-separated words, punctuation standing alone joined to a neighbour."""
    tokens, pending = [], ""
    for piece in sentence.split():
        if normalize(piece):
            tokens.append(pending + piece)
            pending = ""
        elif tokens:
            tokens[-1] += piece
        else:
            pending += piece
    if pending and tokens:
        tokens[-1] += pending
    return tokens


def engine_for(options):
    """The text engine ``options.text_engine`` names: builtin, llm, or auto."""
    kind = (options.text_engine or "auto").strip().lower()
    configured = bool(options.llm_base_url and options.llm_model)
    if kind == "builtin" or (kind == "auto" and not configured):
        return BuiltinEngine(options.language)
    if kind in ("llm", "auto"):
        if not configured:
            raise ValueError("the 'llm' text engine needs an LLM base URL and model: "
                             "set SRTMEDIA_LLM_BASE_URL and SRTMEDIA_LLM_MODEL")
        return LLMEngine(options.llm_base_url, options.llm_model, options.llm_api_key,
                         options.llm_timeout, language=options.language)
    raise ValueError(f"unknown text engine {options.text_engine!r}: use builtin, llm or auto")
