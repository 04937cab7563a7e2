"""srtmedia: subtitles plus media in, a time-accurate readable transcript out."""

__version__ = "0.1.0"


def create_app(config=None):
    """Application factory, found by ``flask --app srtmedia run``."""
    from srtmedia.app import create_app as _create_app

    return _create_app(config)
