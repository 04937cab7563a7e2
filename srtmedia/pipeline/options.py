"""Settings for one pipeline run."""
from dataclasses import dataclass, fields

from srtmedia.settings import EnvSettings


@dataclass
class Options(EnvSettings):
    """What engines to use and which limits to enforce.

    ``text_engine`` is ``builtin``, ``llm`` or ``auto`` (the LLM when an
    endpoint is configured, the built-in engine otherwise).
    """

    whisper_model: str = ""          # a CTranslate2 Whisper model folder; "" = bundled tiny.en
    language: str = ""               # ISO 639-1 code of subtitles and speech; "" = detect from the subtitles
    text_engine: str = "auto"
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: float = 60.0
    word_timing: bool = True         # refine word times with forced alignment
    max_cues: int = 50_000
    max_duration: float = 6 * 3600.0  # seconds of media
    threads: int = 0                  # 0 = every core
    recognition_stride: int = 4       # recognise every Nth clip of speech, and where unsure; 1 = all of it
    recognition_min_seconds: float = 150.0  # all of the speech is recognised when there is less than this
    recognition_first_round: int = 40  # clips the first round recognises at most (long media); 0 = no limit

    _ENV = {
        "whisper_model": "SRTMEDIA_WHISPER_MODEL",
        "language": "SRTMEDIA_LANGUAGE",
        "text_engine": "SRTMEDIA_TEXT_ENGINE",
        "llm_base_url": "SRTMEDIA_LLM_BASE_URL",
        "llm_model": "SRTMEDIA_LLM_MODEL",
        "llm_api_key": "SRTMEDIA_LLM_API_KEY",
        "llm_timeout": "SRTMEDIA_LLM_TIMEOUT",
        "word_timing": "SRTMEDIA_WORD_TIMING",
        "max_cues": "SRTMEDIA_MAX_CUES",
        "max_duration": "SRTMEDIA_MAX_MEDIA_DURATION",
        "threads": "SRTMEDIA_THREADS",
        "recognition_stride": "SRTMEDIA_RECOGNITION_STRIDE",
        "recognition_min_seconds": "SRTMEDIA_RECOGNITION_MIN_SECONDS",
        "recognition_first_round": "SRTMEDIA_RECOGNITION_FIRST_ROUND",
    }

    def as_dict(self):
        """The options without secrets, for the result's ``engine`` block."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["llm_api_key"] = "***" if self.llm_api_key else ""
        return data

