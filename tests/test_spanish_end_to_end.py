"""Spanish speech with Spanish subtitles 2 s late: `srtmedia process` re-times them, with word timings."""
import json
import subprocess
import sys

import numpy as np
import pytest

from srtmedia.pipeline.timing import espeak

from conftest import srt_text, write_wav

LATE = 2.0
TEXT = [
    "El río nace en las montañas del norte, entre rocas y bosques de pinos. Durante siglos, los pueblos "
    "de la orilla vivieron de la pesca y del comercio. Cada primavera, el agua subía y cubría los campos "
    "más bajos.",
    "En el siglo pasado se construyó una presa cerca de la ciudad. La presa trajo electricidad, pero "
    "también cambió la vida de los peces. Hoy, el río es un buen lugar para pasear.",
]


@pytest.mark.slow
@pytest.mark.skipif(not espeak.available(), reason="no libespeak-ng")
def test_spanish_subtitles_are_retimed_with_word_timings(tmp_path):
    from bench.speech import build_programme, split_sentences
    from bench.wordtiming import resample

    programme = build_programme(TEXT, ["es"], 165, seed=5)
    sentences = [s for p in TEXT for s in split_sentences(p)]
    write_wav(tmp_path / "clip.wav", resample(programme.audio, programme.rate))
    (tmp_path / "subs.es.srt").write_text(
        srt_text([(a + LATE, b + LATE, text) for (a, b, _), text in zip(programme.sentences, sentences)]),
        encoding="utf-8")

    done = subprocess.run([sys.executable, "-m", "srtmedia.cli", "process", tmp_path / "subs.es.srt",
                           tmp_path / "clip.wav", "-o", tmp_path / "out.json", "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))

    assert result["language"]["subtitles"] == "es"
    assert result["engine"]["pronunciations"]["name"] == "espeak-ng"
    assert {c["placed_by"] for c in result["cues"]} == {"speech timing"}
    starts = np.array([c["start"] for c in result["cues"]])
    truth = np.array([a for a, _, _ in programme.sentences])
    assert np.abs(starts - truth).max() < 0.1, list(zip(starts, truth))
    words = [w for p in result["paragraphs"] for s in p["sentences"] for w in s["words"]]
    assert [w["text"] for w in words] == [w.text for w in programme.words]
    errors = [abs(w["start"] - ref.start) for w, ref in zip(words, programme.words) if ref.start is not None]
    assert not [m for m in result["warnings"] if "spread over" in m], result["warnings"]
    assert np.median(errors) < 0.03, sorted(errors)
