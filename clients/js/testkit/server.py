"""A whole srtmedia service for the JavaScript and browser tests.

Starts redis-server, gunicorn and RQ workers (tests/service_processes.py) in a
temporary folder, prints one JSON line {"base_url": ...}, and stops everything
when its standard input closes (the test process ended) or on SIGTERM.
``--pipeline scripted`` uses the test-only stand-in of tests/service_pipelines.py.
"""
import argparse
import json
import os
import signal
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path[:0] = [os.path.join(ROOT, "tests"), ROOT]

from service_processes import ServiceProcesses  # noqa: E402

PIPELINES = {"scripted": "service_pipelines:scripted", "real": "srtmedia.pipeline:run"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", choices=PIPELINES, default="scripted")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment setting of the service, e.g. MAX_CONCURRENT_TASKS_PER_USER=2")
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.setting)
    settings.setdefault("SRTMEDIA_POLL_AFTER", "1")
    settings["SRTMEDIA_PIPELINE"] = PIPELINES[args.pipeline]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with tempfile.TemporaryDirectory(prefix="srtmedia-js-") as folder:
        service = ServiceProcesses(folder, **settings).start(workers=args.workers)
        try:
            print(json.dumps({"base_url": service.base_url}), flush=True)
            sys.stdin.read()   # until the parent closes it or dies
        finally:
            service.stop()


if __name__ == "__main__":
    main()
