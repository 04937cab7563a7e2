"""Speed and memory: 30 minutes and 2 hours of media through all three stages, beside ffsubsync.

    python -m bench.speed [--quick] [--cases 30min,2h] [--no-ffsubsync]
                          [--compare '{"recognition_stride": 1}'] [--json out.json]

Each run is a child process (bench/child.py): wall time is measured around
it, CPU time from the kernel's rusage for the child and its waited-for
descendants, peak memory as the largest sampled sum of PSS over its process
tree (bench/methods.py).  Per stage, the CPU seconds it used beside its wall
seconds say how many cores it kept busy.  Accuracy is printed for every run
(the cases have a truth), and ``--compare`` adds a run of srtmedia with other
options on the same files (``{"recognition_stride": 1}``: recognising all the
speech, as before sampling) so accuracy can be compared in the same run.

Targets on the 2-core machine (issue #12): <= 45 s for 30 minutes (real-time
factor <= 0.025), <= 3 minutes for 2 hours, peak <= 1 GB.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

from bench import corpus, report
from bench.align import OUT, _public, evaluate
from bench.methods import run_ffsubsync, run_srtmedia

TARGET_RTF = 0.025               # wall seconds per second of media (45 s for 30 minutes)
TARGET_2H_S = 180.0
TARGET_MEM_MB = 1024.0
CASES = {"30min": corpus.LONG, "2h": corpus.LONG_2H}


def verdict(value, limit):
    return "ok" if value <= limit else "OVER"


def stage_lines(row):
    """Per stage: wall seconds, CPU seconds and cores busy (CPU / wall)."""
    stages, cpu = row["extra"].get("stages", {}), row["extra"].get("cpu", {})
    lines, wall_before, cpu_before = [], 0.0, 0.0
    for stage, (_, last) in stages.items():
        used = cpu.get(stage, [0.0, 0.0])[1]
        wall, busy = last - wall_before, used - cpu_before
        lines.append(f"    {stage:15} {wall:7.1f} s wall {busy:7.1f} s CPU  {busy / wall if wall else 0:4.2f} cores")
        wall_before, cpu_before = last, used
    return lines


def recognised_line(row):
    block = (row.get("_result") or {}).get("transcript", {}).get("recognised") or {}
    if not block:
        return None
    return f"    recognised {block['seconds']:.0f} s of speech ({100 * block['share']:.0f} %) in " \
           f"{len(block['stretches'])} stretches"


def run_case(spec, args, extra_options):
    started = time.perf_counter()
    case = corpus.build(spec)
    duration = case.truth["duration"]
    print(f"\ncase {spec.name}: {duration / 60:.1f} min of {case.media.suffix[1:]} "
          f"({case.media.stat().st_size / 2**20:.0f} MB), {len(case.truth['cues'])} cues, "
          f"{spec.distortion} [built or loaded in {time.perf_counter() - started:.0f} s]", flush=True)
    workdir = OUT / time.strftime("%Y%m%d") / f"speed-{case.folder.name}"
    workdir.mkdir(parents=True, exist_ok=True)
    timeout = 600 + duration
    runs = [("srtmedia", extra_options)] + ([("srtmedia " + args.compare, json.loads(args.compare))]
                                           if args.compare else [])
    rows = []
    for label, options in runs:
        outcome = run_srtmedia(case, workdir, timeout=timeout, options=options)
        row = evaluate(case, outcome)
        row["method"], row["_result"] = label[:16], outcome.output if outcome.ok else None
        rows.append(row)
        print(f"  {label}: {'%.1f s' % row['wall_s'] if row['ok'] else 'failed'}", flush=True)
    if not args.no_ffsubsync:
        rows.append(evaluate(case, run_ffsubsync(case, workdir)))
    print(report.table(rows))
    for row in rows:
        if row["ok"] and row["method"].startswith("srtmedia"):
            print(f"  {row['method']}: wall {row['wall_s']:.1f} s (real-time factor "
                  f"{row['wall_s'] / duration:.4f}), CPU {row['cpu_s']:.1f} s "
                  f"({row['cpu_s'] / row['wall_s']:.2f} cores), peak {row['peak_mb']:.0f} MB")
            print("\n".join(stage_lines(row)))
            memory = row["extra"].get("memory_mb") or {}
            if memory.get("rss_per_process_mb"):
                print(f"    memory at the peak, by process (RSS MB): {memory['rss_per_process_mb']}")
            line = recognised_line(row)
            if line:
                print(line)
    return {"case": spec.name, "duration": duration, "rows": rows}


def summary(results):
    """The targets, and how time grows with the media's length."""
    lines = []
    for res in results:
        row = res["rows"][0]
        if not row["ok"]:
            lines.append(f"{res['case']}: srtmedia failed: {row['error']}")
            continue
        limit = TARGET_2H_S if res["duration"] > 3600 else TARGET_RTF * res["duration"]
        lines.append(f"{res['case']}: {row['wall_s']:.1f} s for {res['duration'] / 60:.1f} min "
                     f"(target <= {limit:.0f} s: {verdict(row['wall_s'], limit)}), peak {row['peak_mb']:.0f} MB "
                     f"(target <= {TARGET_MEM_MB:.0f}: {verdict(row['peak_mb'], TARGET_MEM_MB)})")
    done = [r for r in results if r["rows"][0]["ok"]]
    if len(done) >= 2:
        short, long = sorted(done, key=lambda r: r["duration"])[::len(done) - 1]
        grows = (long["rows"][0]["wall_s"] / short["rows"][0]["wall_s"]) / (long["duration"] / short["duration"])
        lines.append(f"growth: {long['duration'] / short['duration']:.1f}x the media took "
                     f"{long['rows'][0]['wall_s'] / short['rows'][0]['wall_s']:.1f}x the time "
                     f"({grows:.2f} of linear)")
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a 3-minute case only")
    ap.add_argument("--cases", default="30min,2h", help="which long cases: 30min, 2h or both (default)")
    ap.add_argument("--no-ffsubsync", action="store_true", help="skip ffsubsync on the same files")
    ap.add_argument("--srtmedia-options", default="{}", help="JSON overrides for srtmedia Options")
    ap.add_argument("--compare", help="JSON options of a second srtmedia run on the same files")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    print(f"{os.cpu_count()} cores; python {sys.version.split()[0]}")
    specs = ([corpus.select(pattern="^offset\\+2.5-mp4$")[0]] if args.quick
             else [CASES[name] for name in args.cases.split(",")])
    results = [run_case(spec, args, json.loads(args.srtmedia_options)) for spec in specs]
    print()
    print("\n".join(summary(results)))
    if args.json:
        for res in results:
            for row in res["rows"]:
                row.pop("_result", None)
        Path(args.json).write_text(json.dumps(_public({"cases": results}), indent=1))
    return 0 if all(r["rows"][0]["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
