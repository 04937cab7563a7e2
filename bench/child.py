"""Child process for one srtmedia run: ``python -m bench.child SRT MEDIA OUT.json``.

Runs in its own process so the parent can measure its memory and read its
CPU time from the kernel.  Writes ``{"result", "seconds", "stages", "cpu"}``
where ``stages`` holds each stage's first and last progress time (seconds
since run() was called) and ``cpu`` the CPU seconds used by then (this
process and its waited-for children: ffmpeg, the forced alignment pool).
"""
import argparse
import json
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
    result = run(args.subtitles, args.media, options, progress=progress)
    seconds = round(time.perf_counter() - start, 3)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"result": result, "seconds": seconds, "stages": stages, "cpu": cpu}, f)


if __name__ == "__main__":
    main()
