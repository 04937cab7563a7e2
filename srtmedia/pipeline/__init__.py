"""The processing core: subtitles + media -> time-accurate paragraphs.

Plain functions on files; see docs/pipeline.md for the result format.
"""
from srtmedia.pipeline.errors import Cancelled, LimitExceeded, MediaError, PipelineError, SubtitleError
from srtmedia.pipeline.options import Options
from srtmedia.pipeline.runner import STAGES, run

__all__ = ["run", "Options", "STAGES", "Cancelled", "PipelineError", "SubtitleError", "MediaError", "LimitExceeded"]
