"""srtmedia: subtitles plus media in, a time-accurate readable transcript out."""

__version__ = "0.1.0"


def create_app(config=None):
    """Application factory, found by ``flask --app srtmedia run``."""
    from srtmedia.app import create_app as _create_app

    return _create_app(config)


def __getattr__(name):
    # RQ stores a job's function by dotted name. Webhook deliveries queued
    # before the task layer became a package name "srtmedia.delivery.deliver";
    # RQ resolves that through this attribute, so they still run after an upgrade.
    if name == "delivery":
        from srtmedia.tasks import delivery

        return delivery
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
