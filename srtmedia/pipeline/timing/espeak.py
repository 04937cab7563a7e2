"""libespeak-ng through ctypes: pronunciations (IPA) of words in any language it speaks.

The library and its voice data come from the ``espeakng-loader`` wheel when it
is installed (pip alone is enough), else from the system (Debian's
``libespeak-ng1``). ``SRTMEDIA_ESPEAK`` = ``pip`` or ``system`` forces one.
espeak-ng keeps global state and is not thread-safe, so there is one
``Espeak`` per process and every call into it holds ``Espeak.lock``.
"""
import contextlib
import ctypes
import ctypes.util
import functools
import os
import sys
import threading
from dataclasses import dataclass

# speak_lib.h (espeak-ng 1.51/1.52 ABI).
AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_PHONEMES_IPA = 0x02
_SYSTEM_NAMES = ("libespeak-ng.so.1", "libespeak-ng.dylib", "espeak-ng.dll")

# Subtitle language codes (ISO 639-1, or 639-3 where there is none) whose
# espeak-ng voice has another name; every other code is tried as it is.
_VOICES = {"en": "en-us", "zh": "cmn", "no": "nb", "nn": "nb", "iw": "he", "ary": "ar", "arz": "ar",
           "gom": "kok", "uzs": "uz"}


class EspeakMissing(RuntimeError):
    """Neither the espeakng-loader wheel nor a system libespeak-ng could be loaded."""


@dataclass(frozen=True)
class Source:
    """Where the library was found: ``kind`` is ``pip`` or ``system``."""

    kind: str
    library: str
    data: str | None      # espeak-ng-data folder; None = the library's built-in default
    version: str


def pip_source():
    """The library and data shipped by ``espeakng-loader``, or None when it is not installed."""
    try:
        import espeakng_loader

        library, data = espeakng_loader.get_library_path(), espeakng_loader.get_data_path()
    except (ImportError, RuntimeError):  # RuntimeError: the wheel's data folder is missing
        return None
    if not os.path.isfile(library):
        return None
    from importlib.metadata import version

    return Source("pip", library, data, f"espeakng-loader {version('espeakng-loader')}")


def system_source():
    """Debian's (or any system's) libespeak-ng, or None when there is none."""
    name = ctypes.util.find_library("espeak-ng")
    for candidate in ([name] if name else []) + list(_SYSTEM_NAMES):
        try:
            ctypes.CDLL(candidate)
        except OSError:
            continue
        return Source("system", candidate, None, "system libespeak-ng")
    return None


def find_sources(prefer=None):
    """The installed sources in the order they are tried: pip, system (or only ``prefer``)."""
    prefer = prefer or os.environ.get("SRTMEDIA_ESPEAK", "")
    finders = {"pip": (pip_source,), "system": (system_source,)}.get(prefer, (pip_source, system_source))
    return [source for source in (find() for find in finders) if source]


class Espeak:
    """One initialised libespeak-ng."""

    def __init__(self, source):
        self.source = source
        self.lib = ctypes.CDLL(source.library)
        self.lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        self.lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Info.restype = ctypes.c_char_p
        data = source.data.encode() if source.data else None
        self.sample_rate = self.lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
        if self.sample_rate <= 0:
            raise EspeakMissing(f"espeak-ng could not start from {source.library} (data: {source.data})")
        self.lock = threading.RLock()
        self._voice = None

    def seed(self, value=0):
        """Make what is synthesised next reproducible: espeak-ng 1.52 seeds its breath and
        jitter noise from the clock (1.51 used libc's unseeded rand()). Hold ``lock``."""
        if hasattr(self.lib, "espeak_ng_SetRandSeed"):
            self.lib.espeak_ng_SetRandSeed(ctypes.c_long(value))

    @property
    def version(self):
        return self.lib.espeak_Info(None).decode()

    def set_voice(self, voice):
        """Select ``voice``; False when espeak-ng has no such voice. Hold ``lock``."""
        if voice != self._voice:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                return False
            self._voice = voice
        return True

    def ipa(self, words, voice):
        """IPA for each of ``words`` spoken with ``voice`` (``""`` where espeak-ng says nothing)."""
        with self.lock:
            if not self.set_voice(voice):
                raise ValueError(f"espeak-ng has no voice {voice!r}")
            return [self._phonemes(word) for word in words]

    def _phonemes(self, text):
        buffer = ctypes.create_string_buffer(text.encode("utf-8"))
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        clauses = []
        # One call per clause; the library moves the pointer on and sets it to NULL at the end.
        while pointer.value:
            out = self.lib.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8, _PHONEMES_IPA)
            if out:
                clauses.append(out.decode("utf-8", "replace").strip())
        return " ".join(c for c in clauses if c)


@functools.lru_cache(maxsize=1)
def shared():
    """The process-wide Espeak from the first source that starts; raise EspeakMissing when none does."""
    failures = []
    for source in find_sources():
        try:
            return Espeak(source)
        except (OSError, EspeakMissing) as error:  # a wheel built for another libc, a broken data folder
            failures.append(f"{source.kind}: {error}")
    raise EspeakMissing("espeak-ng is not installed (pip install espeakng-loader, or apt-get install "
                        "libespeak-ng1)" + (f"; could not start: {'; '.join(failures)}" if failures else ""))


def describe():
    """The result's note on the pronunciation engine, or None when there is none."""
    if not available():
        return None
    engine = shared()
    return {"name": "espeak-ng", "version": engine.version, "source": engine.source.version}


def available():
    """True when a libespeak-ng can be loaded."""
    try:
        shared()
    except (EspeakMissing, OSError):
        return False
    return True


def voice_for(language):
    """The espeak-ng voice for a language code (``es``, ``zh``, ``pt-BR``), or None if it has none.

    A voice whose dictionary is missing from the data (the wheel lacks
    Faroese's) is none: it reads nothing, only complaining on stderr.
    """
    if not language:
        return None
    code = language.lower().replace("_", "-")
    return _working_voice(tuple(dict.fromkeys([_VOICES.get(code, code), code.split("-")[0]])))


@functools.lru_cache(maxsize=None)
def _working_voice(candidates):
    engine = shared()
    with engine.lock, _quiet_stderr():
        for voice in candidates:
            if engine.set_voice(voice) and engine._phonemes("1"):
                return voice
    return None


@contextlib.contextmanager
def _quiet_stderr():
    """Silence what the C library prints on file descriptor 2 while trying voices."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
