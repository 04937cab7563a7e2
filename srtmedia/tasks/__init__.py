"""The task layer: task records and quotas in Redis, the RQ queue, its jobs and workers.

It imports nothing from the HTTP layer (``srtmedia.api``), and the pipeline
imports nothing from it.
"""


def __getattr__(name):
    # RQ stores a job's function by dotted name. Jobs queued before the task
    # layer became this package name "srtmedia.tasks.process_task"; they must
    # still run after an upgrade (tasks survive restarts).
    if name == "process_task":
        from srtmedia.tasks.job import process_task

        return process_task
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
