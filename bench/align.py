"""Alignment accuracy: srtmedia vs ffsubsync on the same cases, same run.

    python -m bench.align [--quick] [--cases REGEX] [--methods srtmedia,ffsubsync]
                          [--json out.json] [--self-check]

Each method runs as a child process, one at a time, and is timed and
measured (see bench/methods.py).  Errors are against the corpus truth (see
bench/metrics.py); bench/README.md explains every column.
"""
import argparse
import json
import math
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from bench import corpus, metrics, report
from bench.fixtures import human_cases
from bench.methods import METHODS, Outcome, run_method

OUT = Path(__file__).parent / "out"


def evaluate(case, outcome):
    """One table row: the method's cue (and word) errors on ``case``."""
    row = {"method": outcome.method, "ok": outcome.ok, "error": outcome.error,
           "wall_s": round(outcome.wall_s, 2), "cpu_s": round(outcome.cpu_s, 2),
           "peak_mb": round(outcome.peak_mb, 1), "extra": outcome.extra}
    if not outcome.ok:
        return row
    truth = case.truth
    if isinstance(outcome.output, dict):  # an srtmedia-shaped result
        predicted, flags = metrics.result_cues(outcome.output), True
        row["_words"] = metrics.word_errors(truth["words"], metrics.result_words(outcome.output))
        row["words"] = metrics.word_report([row["_words"]])
        row["timing"] = outcome.output.get("timing")
        row["warnings"] = outcome.output.get("warnings", [])
    else:
        predicted, flags = metrics.srt_cues(outcome.output, truth["cues"]), False
    row["_rows"] = metrics.cue_errors(truth["cues"], predicted)
    row["cues"] = metrics.cue_report(row["_rows"], flags)
    row["worst"] = worst_cues(truth["cues"], predicted, row["_rows"])
    return row


def worst_cues(truth_cues, predicted, rows, count=5):
    """The cues with the largest start errors (or wrong flags), for the JSON report."""
    def badness(i):
        kind, start, _, found = rows[i]
        if kind == "absent":
            return 0.0 if not found else float("inf")
        return float("inf") if start is None else start
    order = sorted(range(len(rows)), key=badness, reverse=True)
    return [{"index": i, "text": truth_cues[i]["text"], "true_start": truth_cues[i]["start"],
             "sub_start": truth_cues[i]["sub_start"], "predicted": predicted[i]}
            for i in order[:count] if badness(i) > metrics.WITHIN]


def truth_outcome(case):
    """The truth itself, shaped as an srtmedia result: must score zero error."""
    t = case.truth
    words = [{"text": w["text"], "start": w["start"], "end": w["end"]} for w in t["words"]]
    result = {"cues": [{"start": c["start"], "end": c["end"], "found": c["start"] is not None}
                       for c in t["cues"]],
              "paragraphs": [{"sentences": [{"words": words}]}]}
    return Outcome("truth", True, output=result)


def aggregate(results):
    """Pooled rows per (distortion kind, method) and per method over all cases."""
    pools = defaultdict(lambda: {"rows": [], "words": [], "wall_s": 0.0, "cpu_s": 0.0,
                                 "peak_mb": 0.0, "cases": 0, "failed": 0})
    for case_result in results:
        for row in case_result["methods"]:
            for kind in (case_result["kind"], "ALL"):
                pool = pools[(kind, row["method"])]
                pool["cases"] += 1
                if not row["ok"]:
                    pool["failed"] += 1
                    continue
                pool["rows"].append(row["_rows"])
                if "_words" in row:
                    pool["words"].append(row["_words"])
                pool["wall_s"] += row["wall_s"]
                pool["cpu_s"] += row["cpu_s"]
                pool["peak_mb"] = max(pool["peak_mb"], row["peak_mb"])
    out = defaultdict(list)
    for (kind, method), pool in pools.items():
        flags = bool(pool["words"])
        out[kind].append({
            "method": method, "ok": pool["failed"] == 0 or bool(pool["rows"]),
            "error": f"{pool['failed']}/{pool['cases']} failed", "failed": pool["failed"],
            "cases": pool["cases"], "cues": metrics.pooled(pool["rows"], flags),
            "words": metrics.word_report(pool["words"]) if pool["words"] else None,
            "wall_s": round(pool["wall_s"], 1), "cpu_s": round(pool["cpu_s"], 1),
            "peak_mb": pool["peak_mb"]})
    return dict(out)


def run_case(case, methods, options, self_check):
    """Run every method on one case; print and return its rows."""
    t = case.truth
    absent = sum(c["start"] is None for c in t["cues"])
    print(report.heading(f"{t['name']}  [{t['kind']}]  {t['duration']:.1f} s media, "
                         f"{len(t['cues'])} cues, {absent} removed, {case.media.name}"), flush=True)
    workdir = OUT / time.strftime("%Y%m%d") / re.sub(r"[^A-Za-z0-9.+-]+", "_", t["name"])
    workdir.mkdir(parents=True, exist_ok=True)
    outcomes = [truth_outcome(case)] if self_check else []
    outcomes += [run_method(m, case, workdir, options) for m in methods]
    rows = [evaluate(case, o) for o in outcomes]
    print(report.table(rows))
    print(report.timing_lines(t, rows), flush=True)
    return {"case": t["name"], "kind": t["kind"], "duration": t["duration"], "methods": rows}


def _public(value):
    """Drop the raw per-cue rows (keys starting with _) for JSON output; inf as a string."""
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_public(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no inf/nan
    return value


def add_method_arguments(ap, default):
    """--methods, --srtmedia-options and --json, shared by the accuracy benches."""
    ap.add_argument("--methods", default=default, help=f"comma list of {METHODS}")
    ap.add_argument("--srtmedia-options", default="{}", help="JSON overrides for srtmedia Options")
    ap.add_argument("--json", help="write every figure to this file")


def chosen_methods(ap, args):
    """(method names, srtmedia option overrides) from ``add_method_arguments``'s options."""
    methods = [m for m in args.methods.split(",") if m]
    unknown = set(methods) - set(METHODS)
    if unknown:
        ap.error(f"unknown methods {sorted(unknown)}")
    return methods, json.loads(args.srtmedia_options)


def print_aggregate(summary):
    """The pooled tables of ``aggregate`` (ALL last)."""
    for kind, rows in sorted(summary.items(), key=lambda kv: kv[0] == "ALL"):
        print(report.heading(f"aggregate: {kind} ({rows[0]['cases']} cases)"))
        print(report.table(rows))
        for row in rows:
            if row["failed"]:
                print(f"  {row['method']}: {row['failed']} of {row['cases']} cases failed (not in the figures)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the quick subset of cases")
    ap.add_argument("--cases", help="regex on case names (python -m bench.corpus --list)")
    ap.add_argument("--long", action="store_true", help="include the 30-minute case")
    ap.add_argument("--self-check", action="store_true", help="also score the truth itself (must be 0)")
    add_method_arguments(ap, ",".join(METHODS))
    args = ap.parse_args(argv)
    methods, options = chosen_methods(ap, args)
    cases = [corpus.build(spec) for spec in corpus.select(args.quick, args.cases, args.long)]
    cases += [c for c in human_cases() if not args.cases or re.search(args.cases, c.truth["name"])]
    results = [run_case(case, methods, options, args.self_check) for case in cases]
    if not results:
        ap.error("no case matched")
    summary = aggregate(results)
    print_aggregate(summary)
    print("\n" + report.LEGEND)
    if args.json:
        Path(args.json).write_text(json.dumps(_public({"cases": results, "aggregate": summary}), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
