"""Stand-in pipelines for the service tests, named by SRTMEDIA_PIPELINE="service_pipelines:scripted".

The first cue's text says what the run does, so one worker serves every test:
"SLEEP <seconds>" (progress through all stages, checking for cancellation),
"FAIL" (bad media), "CRASH" (a bug), "FLAKY <n>" (a transient fault on the
first n attempts, counted in a file beside the subtitles); anything else
finishes at once. Every run writes its process id to ``pid`` beside the
subtitles, so a test can kill the work horse, and appends "started <pid>" and,
if the pipeline returns a result, "finished <pid>" to ``runs``, so a test can
tell a task that was run twice.
"""
import os
import time

from srtmedia.pipeline.errors import Cancelled, MediaError
from srtmedia.pipeline.text.subtitles import read_subtitles


def scripted(subtitles_path, media_path, options=None, progress=None, is_cancelled=None):
    """Same contract as srtmedia.pipeline.run."""
    folder = os.path.dirname(subtitles_path)
    with open(os.path.join(folder, "pid"), "w") as out:
        out.write(str(os.getpid()))
    _log_run(folder, "started")
    cues = read_subtitles(subtitles_path)
    command, _, argument = cues[0].text.partition(" ")
    if command == "FAIL":
        raise MediaError("the media has no audio stream")
    if command == "CRASH":
        raise RuntimeError("a bug")
    if command == "FLAKY":
        counter = os.path.join(folder, "attempts")
        attempts = int(open(counter).read()) + 1 if os.path.exists(counter) else 1
        with open(counter, "w") as out:
            out.write(str(attempts))
        if attempts <= int(argument):
            raise ConnectionError("the LLM endpoint refused the connection")
    seconds = float(argument) if command == "SLEEP" else 0.0
    steps = 20
    for stage in ("transcribing", "processing_llm", "aligning"):
        for step in range(steps):
            if is_cancelled():
                raise Cancelled()
            progress(stage, step / steps, f"{stage} {step + 1}/{steps}")
            time.sleep(seconds / (3 * steps))
    _log_run(folder, "finished")
    return result_for(cues)


def _log_run(folder, event):
    with open(os.path.join(folder, "runs"), "a") as out:
        out.write(f"{event} {os.getpid()}\n")


def runs(data_dir, task_id):
    """The ("started"|"finished", pid) events of ``task_id``'s pipeline runs; [] once its files are deleted."""
    user, task_uuid = task_id.split(":")
    try:
        with open(os.path.join(str(data_dir), "tasks", user, task_uuid, "runs")) as source:
            return [tuple(line.split()) for line in source]
    except FileNotFoundError:
        return []


def result_for(cues):
    """A small result in the documented shape, one paragraph per cue."""
    paragraphs, out_cues = [], []
    for index, cue in enumerate(cues):
        words = [{"text": w, "start": cue.start, "end": cue.end, "confidence": 1.0} for w in cue.text.split()]
        paragraphs.append({"index": index, "start": cue.start, "end": cue.end, "text": cue.text,
                           "sentences": [{"start": cue.start, "end": cue.end, "text": cue.text, "words": words}],
                           "cue_indices": [index]})
        out_cues.append({"index": index, "start": cue.start, "end": cue.end, "text": cue.text,
                         "original_start": cue.start, "original_end": cue.end, "found": True})
    end = cues[-1].end
    return {"paragraphs": paragraphs, "cues": out_cues,
            "timing": {"offset": 0.0, "ratio": 1.0, "segments": [{"start": 0.0, "end": end, "offset": 0.0,
                                                                   "ratio": 1.0}]},
            "transcript": {"words": [], "agreement": 1.0, "language": "en"},
            "media": {"duration": end, "format": "wav", "streams": []},
            "engine": {"srtmedia": "test"}, "warnings": []}
