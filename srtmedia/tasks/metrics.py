"""Prometheus metrics kept in Redis, so every API and worker process adds to the same numbers.

Counters and histogram buckets are fields of one hash (HINCRBY is atomic
across processes); gauges (tasks, queues, slots, workers) are read from Redis
at scrape time. ``render`` turns both into the Prometheus text format.
"""
import json
import math
import time

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from rq import Queue, Worker
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from srtmedia.tasks.ids import GLOBAL_ACTIVE_COUNT

HASH = "metrics:counters"
STAGE_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, math.inf)
COUNTERS = {
    "rejections": ("reason", "Submits refused, by reason"),
    "tasks_finished": ("status", "Tasks that ended, by final status"),
    "upload_bytes": (None, "Bytes of accepted uploads (media and subtitles)"),
}
HISTOGRAM = "stage_duration_seconds"


def _field(name, labels):
    return f"{name}|{json.dumps(labels, sort_keys=True)}"


class Metrics:
    """Writes counters and histogram observations into Redis."""

    def __init__(self, redis):
        self.redis = redis

    def count(self, name, amount=1, **labels):
        self.redis.hincrby(HASH, _field(name, labels), int(amount))

    def observe(self, name, value, **labels):
        pipe = self.redis.pipeline(transaction=False)
        for le in STAGE_BUCKETS:
            if value <= le:  # buckets are cumulative: every one at or above the value counts it
                pipe.hincrby(HASH, _field(f"{name}_bucket", {**labels, "le": _le(le)}), 1)
        pipe.hincrbyfloat(HASH, _field(f"{name}_sum", labels), value)
        pipe.hincrby(HASH, _field(f"{name}_count", labels), 1)
        pipe.execute()

    def read(self):
        """[(name, labels, value)] of everything stored."""
        rows = []
        for field, value in self.redis.hgetall(HASH).items():
            name, _, labels = field.decode().partition("|")
            rows.append((name, json.loads(labels), float(value)))
        return rows


def _le(bound):
    return "+Inf" if bound == math.inf else repr(float(bound))


class StageClock:
    """Times the pipeline's stages from its progress calls; ``close()`` ends the last one."""

    def __init__(self, metrics):
        self.metrics = metrics
        self.stage = None
        self.since = 0.0

    def mark(self, stage):
        if stage != self.stage:
            self.close()
            self.stage, self.since = stage, time.monotonic()

    def close(self):
        if self.stage is not None:
            self.metrics.observe(HISTOGRAM, time.monotonic() - self.since, stage=self.stage)
            self.stage = None


class ServiceCollector:
    """A prometheus_client collector reading the service's state from Redis at scrape time."""

    def __init__(self, redis, config, queue_names):
        self.redis = redis
        self.config = config
        self.queue_names = queue_names

    def collect(self):
        yield from self._stored()
        yield from self._live()

    def _stored(self):
        rows = Metrics(self.redis).read()
        for name, (label, doc) in COUNTERS.items():
            family = CounterMetricFamily(f"srtmedia_{name}", doc, labels=[label] if label else [])
            for row_name, labels, value in rows:
                if row_name == name:
                    family.add_metric([labels.get(label, "")] if label else [], value)
            yield family
        histogram = HistogramMetricFamily(f"srtmedia_{HISTOGRAM}", "Time spent in each pipeline stage",
                                          labels=["stage"])
        stages = sorted({labels["stage"] for name, labels, _ in rows if name == f"{HISTOGRAM}_count"})
        for stage in stages:
            buckets = {labels["le"]: value for name, labels, value in rows
                       if name == f"{HISTOGRAM}_bucket" and labels["stage"] == stage}
            total = sum(v for n, labels, v in rows if n == f"{HISTOGRAM}_sum" and labels["stage"] == stage)
            histogram.add_metric([stage], [(_le(b), buckets.get(_le(b), 0.0)) for b in STAGE_BUCKETS], total)
        yield histogram

    def _live(self):
        active = int(self.redis.get(GLOBAL_ACTIVE_COUNT) or 0)
        queues = [Queue(name, connection=self.redis) for name in self.queue_names]
        pipeline = queues[0]
        processing = StartedJobRegistry(queue=pipeline).count
        tasks = GaugeMetricFamily("srtmedia_tasks", "Active tasks by status", labels=["status"])
        tasks.add_metric(["processing"], processing)
        tasks.add_metric(["pending"], max(active - processing, 0))
        yield tasks
        depth = GaugeMetricFamily("srtmedia_queue_depth", "Jobs waiting, by queue and state",
                                  labels=["queue", "state"])
        for queue in queues:
            depth.add_metric([queue.name, "queued"], queue.count)
            depth.add_metric([queue.name, "scheduled"], ScheduledJobRegistry(queue=queue).count)
        yield depth
        slots = GaugeMetricFamily("srtmedia_slots_in_use", "Concurrency slots taken, by limit", labels=["limit"])
        slots.add_metric(["global"], active)
        yield slots
        limits = GaugeMetricFamily("srtmedia_slots_limit", "Concurrency limits", labels=["limit"])
        limits.add_metric(["global"], self.config.max_tasks_global)
        limits.add_metric(["per_user"], self.config.max_tasks_per_user)
        yield limits
        yield GaugeMetricFamily("srtmedia_workers", "RQ workers alive", value=Worker.count(connection=self.redis))


def render(redis, config, queue_names):
    """The Prometheus text exposition of everything above."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServiceCollector(redis, config, queue_names))
    return generate_latest(registry)
