"""Speed and memory: 30 minutes of media through all three pipeline stages.

    python -m bench.speed [--quick] [--with-ffsubsync] [--json out.json]

The pipeline runs in a child process (bench/child.py); wall time is
measured around it, CPU time from the kernel's rusage for the child and
its waited-for descendants, and peak memory as the largest sampled sum of
PSS over the child's process tree (bench/methods.py).  Targets on the
2-core machine: wall <= 60 s and peak <= 1 GB.  Accuracy on the same run is
printed too, since the case has a truth.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

from bench import corpus, report
from bench.align import OUT, _public, evaluate
from bench.methods import run_method

TARGET_WALL_S = 60.0
TARGET_MEM_MB = 1024.0


def verdict(value, limit):
    return "ok" if value <= limit else "OVER"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a 3-minute case instead of 30 minutes")
    ap.add_argument("--with-ffsubsync", action="store_true", help="also time ffsubsync on the same file")
    ap.add_argument("--srtmedia-options", default="{}", help="JSON overrides for srtmedia Options")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    spec = corpus.select(pattern="^offset\\+2.5-mp4$")[0] if args.quick else corpus.LONG
    started = time.perf_counter()
    case = corpus.build(spec)
    print(f"case {spec.name}: {case.truth['duration']:.1f} s of {case.media.suffix[1:]} "
          f"({case.media.stat().st_size / 2**20:.1f} MB), {len(case.truth['cues'])} cues "
          f"[built or loaded in {time.perf_counter() - started:.1f} s]; {os.cpu_count()} cores", flush=True)
    workdir = OUT / time.strftime("%Y%m%d") / f"speed-{case.folder.name}"
    workdir.mkdir(parents=True, exist_ok=True)
    methods = ["srtmedia"] + (["ffsubsync"] if args.with_ffsubsync else [])
    rows = [evaluate(case, run_method(m, case, workdir, json.loads(args.srtmedia_options)))
            for m in methods]
    print(report.table(rows))
    main_row = rows[0]
    if main_row["ok"]:
        stages = main_row["extra"].get("stages", {})
        for stage, (first, last) in stages.items():
            print(f"  stage {stage:15} {first:7.1f} s -> {last:7.1f} s")
        print(f"  memory: {main_row['extra'].get('memory_mb')}")
        print(f"  run() itself {main_row['extra'].get('run_s', 0):.1f} s of {main_row['wall_s']:.1f} s "
              f"child wall (the rest is interpreter start-up and imports)")
        print(f"wall {main_row['wall_s']:.1f} s (target <= {TARGET_WALL_S:.0f}: "
              f"{verdict(main_row['wall_s'], TARGET_WALL_S)}), CPU {main_row['cpu_s']:.1f} s, "
              f"peak memory {main_row['peak_mb']:.0f} MB (target <= {TARGET_MEM_MB:.0f}: "
              f"{verdict(main_row['peak_mb'], TARGET_MEM_MB)})")
    else:
        print(f"srtmedia failed: {main_row['error']}")
    if args.json:
        Path(args.json).write_text(json.dumps(_public({"case": spec.name, "duration": case.truth["duration"],
                                                        "methods": rows}), indent=1))
    return 0 if main_row["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
