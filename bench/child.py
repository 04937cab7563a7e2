"""Child process for one srtmedia run: ``python -m bench.child SRT MEDIA OUT.json``.

Runs in its own process so the parent can measure its memory and read its
CPU time from the kernel.  Writes ``{"result", "seconds", "stages"}`` where
``stages`` holds each stage's first and last progress time (seconds since
run() was called).
"""
import argparse
import json
import time


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("subtitles")
    ap.add_argument("media")
    ap.add_argument("out")
    ap.add_argument("--options", default="{}", help="JSON overrides for Options.from_env()")
    args = ap.parse_args(argv)

    from srtmedia.pipeline import Options, run

    stages = {}
    start = time.perf_counter()

    def progress(stage, fraction, message):
        now = round(time.perf_counter() - start, 3)
        stages.setdefault(stage, [now, now])[1] = now

    options = Options.from_env(**json.loads(args.options))
    result = run(args.subtitles, args.media, options, progress=progress)
    seconds = round(time.perf_counter() - start, 3)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"result": result, "seconds": seconds, "stages": stages}, f)


if __name__ == "__main__":
    main()
