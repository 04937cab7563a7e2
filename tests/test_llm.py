"""The LLM engine against a real local chat-completions server, and engine_for()."""
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from srtmedia.pipeline.text.llm import LLMEngine, engine_for
from srtmedia.pipeline.model import Cue
from srtmedia.pipeline.options import Options
from srtmedia.pipeline.text.paragraphs import BuiltinEngine
from srtmedia.pipeline.text.words import words_from_cues

CAPTIONS = ["hello there how are you", "i am fine thanks", "[MUSIC]", "now let us talk about trains"]
GOOD_ANSWER = {"paragraphs": [
    {"sentences": ["Hello there, how are you?", "I am fine, thanks."]},
    {"sentences": ["Now let us talk about trains."]},
]}


class FakeModel:
    """A chat-completions server on 127.0.0.1 whose answer is ``reply(words) -> (status, body)``."""

    def __init__(self, reply, delay=0.0):
        self.reply, self.delay, self.requests = reply, delay, []
        model = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                model.requests.append({"path": self.path, "headers": dict(self.headers), "payload": payload})
                time.sleep(model.delay)
                status, body = model.reply(prompt_words(payload))
                data = (body if isinstance(body, str) else completion(json.dumps(body))).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def completion(content):
    """A raw chat-completion reply whose message is ``content``."""
    return json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})


def prompt_words(payload):
    """The numbered words of the user message, as the engine sent them."""
    user = payload["messages"][-1]["content"]
    return [m.group(1) for m in re.finditer(r"^\d+ (\S+)$", user, re.MULTILINE)]


def sentences_of_seven(words):
    """A stand-in model: sentences of seven words, paragraphs of three sentences."""
    sentences = []
    for i in range(0, len(words), 7):
        text = " ".join(w.strip(".,?!") for w in words[i:i + 7])
        sentences.append(text[0].upper() + text[1:] + ".")
    paragraphs = [{"sentences": sentences[i:i + 3]} for i in range(0, len(sentences), 3)]
    return 200, {"paragraphs": paragraphs}


@pytest.fixture
def serve():
    servers = []

    def start(reply, delay=0.0):
        servers.append(FakeModel(reply, delay))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def caption_cues(texts):
    return [Cue(index=i, start=2.0 * i, end=2.0 * i + 1.8, text=t) for i, t in enumerate(texts)]


def run(engine, texts=CAPTIONS):
    cues = caption_cues(texts)
    words = words_from_cues(cues)
    return words, engine.build(words, cues)


def paragraph_texts(document):
    return [[s.text for s in paragraph] for paragraph in document.paragraphs]


def word_ids(document):
    return [t.word_id for paragraph in document.paragraphs for s in paragraph for t in s.tokens]


def builtin_texts(texts=CAPTIONS):
    return paragraph_texts(run(BuiltinEngine(), texts)[1])


def test_correct_answer_is_applied(serve):
    server = serve(lambda words: (200, GOOD_ANSWER))
    words, document = run(LLMEngine(server.url, "tiny-model", timeout=5))
    assert paragraph_texts(document) == [
        ["Hello there, how are you?", "I am fine, thanks.", "[MUSIC]"],
        ["Now let us talk about trains."],
    ]
    assert word_ids(document) == list(range(len(words)))
    assert document.warnings == []
    assert document.engine["name"] == "llm" and document.engine["model"] == "tiny-model"
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["payload"]["model"] == "tiny-model" and request["payload"]["temperature"] == 0
    assert "[MUSIC]" not in prompt_words(request["payload"])
    assert "Authorization" not in request["headers"]


def test_answer_in_a_code_fence_is_accepted(serve):
    fenced = "```json\n" + json.dumps(GOOD_ANSWER) + "\n```"
    server = serve(lambda words: (200, completion(fenced)))
    _, document = run(LLMEngine(server.url, "m", timeout=5))
    assert document.warnings == []
    assert paragraph_texts(document)[1] == ["Now let us talk about trains."]


def test_dropped_word_falls_back_with_a_warning(serve):
    dropped = {"paragraphs": [{"sentences": ["Hello, how are you?", "I am fine, thanks.",
                                             "Now let us talk about trains."]}]}
    server = serve(lambda words: (200, dropped))
    _, document = run(LLMEngine(server.url, "m", timeout=5))
    assert paragraph_texts(document) == builtin_texts()
    assert len(document.warnings) == 1
    assert "'how'" in document.warnings[0] and "built-in" in document.warnings[0]
    assert document.engine["name"] == "builtin"


def test_invented_word_falls_back(serve):
    invented = {"paragraphs": [{"sentences": ["Hello there, how are you?", "I am fine, thanks.",
                                              "Now let us talk about trains.", "Bye."]}]}
    server = serve(lambda words: (200, invented))
    _, document = run(LLMEngine(server.url, "m", timeout=5))
    assert paragraph_texts(document) == builtin_texts()
    assert "added 'Bye.'" in document.warnings[0]


@pytest.mark.parametrize("status, body, reason", [
    (200, completion("Sure! Here is your text."), "not valid JSON"),
    (200, "<html>oops</html>", "not a chat completion"),
    (200, {"sentences": ["Hello."]}, '"paragraphs"'),
    (200, {"paragraphs": [{"sentences": "Hello."}]}, "not a list of sentence strings"),
    (500, "{}", "HTTP 500"),
])
def test_bad_answers_fall_back_with_a_warning(serve, status, body, reason):
    server = serve(lambda words: (status, body))
    _, document = run(LLMEngine(server.url, "m", timeout=5))
    assert paragraph_texts(document) == builtin_texts()
    assert len(document.warnings) == 1 and reason in document.warnings[0]


def test_timeout_falls_back_and_stops_asking(serve):
    server = serve(lambda words: (200, GOOD_ANSWER), delay=2.0)
    started = time.monotonic()
    words, document = run(LLMEngine(server.url, "m", timeout=0.3, chunk_words=20), CAPTIONS * 5)
    assert time.monotonic() - started < 1.8
    assert len(server.requests) == 1
    assert paragraph_texts(document) == builtin_texts(CAPTIONS * 5)
    assert word_ids(document) == list(range(len(words)))
    assert "no answer within 0.3 s" in document.warnings[0]


def test_unreachable_server_falls_back(serve):
    server = serve(lambda words: (200, GOOD_ANSWER))
    url = server.url
    server.close()
    _, document = run(LLMEngine(url, "m", timeout=2))
    assert paragraph_texts(document) == builtin_texts()
    assert "could not be used" in document.warnings[0]


def test_long_input_is_sent_in_parts(serve):
    server = serve(sentences_of_seven)
    texts = [" ".join(f"w{i}x{j}" for j in range(6)) for i in range(40)]  # 240 words
    words, document = run(LLMEngine(server.url, "m", timeout=5, chunk_words=45), texts)
    sent = [prompt_words(r["payload"]) for r in server.requests]
    assert len(sent) >= 5
    assert all(len(part) <= 45 for part in sent)
    # Part 1 came back as six sentences of seven and one of three: part 2 restarts at that one.
    assert sent[1][:3] == ["w7x0", "w7x1", "w7x2"]
    assert word_ids(document) == list(range(len(words)))
    assert document.warnings == [] and document.engine["name"] == "llm"
    sentences = [s for paragraph in document.paragraphs for s in paragraph]
    assert all(len(s.tokens) <= 7 and s.text.endswith(".") and s.text[0].isupper() for s in sentences)


def test_one_bad_part_falls_back_alone(serve):
    def reply(words):
        return (200, {"paragraphs": [{"sentences": ["Nonsense."]}]}) if len(reply.calls) == 2 else sentences_of_seven(words)

    reply.calls = []
    server = serve(lambda words: (reply.calls.append(words), reply(words))[1])
    texts = [" ".join(f"w{i}x{j}" for j in range(6)) for i in range(20)]
    words, document = run(LLMEngine(server.url, "m", timeout=5, chunk_words=40), texts)
    assert len(document.warnings) == 1 and "words 36–75" in document.warnings[0]
    assert document.engine["name"] == "llm" and document.engine["parts_by_llm"] >= 2
    assert word_ids(document) == list(range(len(words)))


def test_bearer_key_is_sent(serve):
    server = serve(lambda words: (200, GOOD_ANSWER))
    run(LLMEngine(server.url, "m", api_key="sk-local-123", timeout=5))
    assert server.requests[0]["headers"]["Authorization"] == "Bearer sk-local-123"


def test_engine_for_builtin_and_auto():
    assert isinstance(engine_for(Options(text_engine="builtin", llm_base_url="http://x/v1", llm_model="m")), BuiltinEngine)
    assert isinstance(engine_for(Options(text_engine="auto")), BuiltinEngine)
    engine = engine_for(Options(text_engine="auto", llm_base_url="http://x/v1/", llm_model="m",
                                llm_api_key="k", llm_timeout=7))
    assert isinstance(engine, LLMEngine)
    assert (engine.base_url, engine.model, engine.api_key, engine.timeout) == ("http://x/v1", "m", "k", 7)


def test_engine_for_llm_needs_an_endpoint():
    with pytest.raises(ValueError, match="SRTMEDIA_LLM_BASE_URL"):
        engine_for(Options(text_engine="llm", llm_model="m"))
    with pytest.raises(ValueError, match="unknown text engine"):
        engine_for(Options(text_engine="gpt"))


def test_sound_tag_inside_a_sentence_keeps_word_order(serve):
    answer = {"paragraphs": [{"sentences": ["Hello there, how are you?"]}, {"sentences": ["I am fine."]}]}
    server = serve(lambda words: (200, answer))
    words, document = run(LLMEngine(server.url, "m", timeout=5), ["hello there (coughs) how are you", "i am fine"])
    sentences = [(s.text, s.sound) for paragraph in document.paragraphs for s in paragraph]
    assert sentences == [("Hello there.", False), ("(coughs)", True), ("How are you?", False), ("I am fine.", False)]
    assert len(document.paragraphs) == 2
    assert word_ids(document) == list(range(len(words)))


def test_overlong_model_paragraph_is_split(serve):
    def one_paragraph(words):
        status, answer = sentences_of_seven(words)
        return status, {"paragraphs": [{"sentences": [s for p in answer["paragraphs"] for s in p["sentences"]]}]}

    server = serve(one_paragraph)
    texts = [" ".join(f"w{i}x{j}" for j in range(7)) for i in range(30)]
    _, document = run(LLMEngine(server.url, "m", timeout=5), texts)
    assert len(server.requests) == 1
    assert len(document.paragraphs) > 1 and all(len(p) <= 8 for p in document.paragraphs)
