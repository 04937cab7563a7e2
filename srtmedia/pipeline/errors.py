"""Errors the pipeline raises. Each carries a message fit to show a user."""


class PipelineError(Exception):
    """Base class: the input cannot be processed (never retried)."""

    code = "pipeline_error"


class SubtitleError(PipelineError):
    """The subtitle file is malformed; ``line`` is 1-based, or None when not tied to a line."""

    code = "invalid_subtitles"

    def __init__(self, message, line=None):
        self.line = line
        self.reason = message
        super().__init__(f"line {line}: {message}" if line else message)


class MediaError(PipelineError):
    """The media file cannot be decoded, has no audio, or breaks a limit."""

    code = "invalid_media"


class LimitExceeded(PipelineError):
    """The input is larger than a configured limit (cue count, duration)."""

    code = "limit_exceeded"


class Cancelled(Exception):
    """Raised between steps when the caller's cancellation check answers True."""
