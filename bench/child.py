"""Child process for one srtmedia run: ``python -m bench.child SRT MEDIA OUT.json``.

Runs in its own process so the parent can measure its memory and read its
CPU time from the kernel.  Writes ``{"result", "seconds", "stages", "cpu"}``
where ``stages`` holds each stage's first and last progress time (seconds
since run() was called) and ``cpu`` the CPU seconds used by then (this
process and its waited-for children: ffmpeg, the forced alignment pool).

With ``BENCH_TRANSCRIPTS=DIR`` in the environment, the transcribing
stage's Transcript is kept in DIR and reused by the next run on the same
files and options: work on the aligning stage can then re-run a case in
seconds (recognition is most of a run). Never set it for figures of speed.
"""
import argparse
import contextlib
import hashlib
import json
import os
import pickle
import resource
import time


def cpu_seconds():
    """CPU time of this process and of the children it has waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("subtitles")
    ap.add_argument("media")
    ap.add_argument("out")
    ap.add_argument("--options", default="{}", help="JSON overrides for Options.from_env()")
    args = ap.parse_args(argv)

    from srtmedia.pipeline import Options, run

    stages, cpu = {}, {}
    start, cpu_start = time.perf_counter(), cpu_seconds()

    def progress(stage, fraction, message):
        now, used = round(time.perf_counter() - start, 3), round(cpu_seconds() - cpu_start, 3)
        stages.setdefault(stage, [now, now])[1] = now
        cpu.setdefault(stage, [used, used])[1] = used

    options = Options.from_env(**json.loads(args.options))
    with _reused_transcripts(os.environ.get("BENCH_TRANSCRIPTS"), args):
        result = run(args.subtitles, args.media, options, progress=progress)
    seconds = round(time.perf_counter() - start, 3)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"result": result, "seconds": seconds, "stages": stages, "cpu": cpu}, f)


@contextlib.contextmanager
def _reused_transcripts(folder, args):
    """While inside, runner.listen keeps its Transcript in ``folder`` and reuses a kept one."""
    if not folder:
        yield
        return
    from srtmedia.pipeline import runner

    key = hashlib.sha256()
    for path in (args.subtitles, args.media):
        key.update(os.path.realpath(path).encode() + b"\0" + str(os.path.getmtime(path)).encode() + b"\0")
    key.update(args.options.encode())
    kept = os.path.join(folder, key.hexdigest()[:24] + ".pickle")
    listen = runner.listen

    def listen_once(*a, **kw):
        if os.path.exists(kept):
            with open(kept, "rb") as f:
                return pickle.load(f)
        transcript = listen(*a, **kw)
        os.makedirs(folder, exist_ok=True)
        with open(kept + ".part", "wb") as f:
            pickle.dump(transcript, f)
        os.replace(kept + ".part", kept)
        return transcript

    runner.listen = listen_once
    try:
        yield
    finally:
        runner.listen = listen


if __name__ == "__main__":
    main()
