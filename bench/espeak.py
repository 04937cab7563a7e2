"""Speech with word timings from libespeak-ng, through ctypes.

The library is the one srtmedia.pipeline.timing.espeak loads (the espeakng-loader
wheel, else the system's), so the bench needs no apt step either. The synth
callback hands over audio blocks together with events; a word
event carries the sample index at which espeak starts that word.  That is
the raw reference; ``bench.speech`` refines and verifies it against energy.
"""
import ctypes
from dataclasses import dataclass

import numpy as np

from srtmedia.pipeline.timing import espeak

# speak_lib.h constants (espeak-ng 1.51/1.52 ABI).
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_EVENT_END_OF_LIST = 0
_EVENT_WORD = 1
_PARAM_RATE = 1
_PARAM_PITCH = 3


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),  # 1-based character offset into the text
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # ms
        ("sample", ctypes.c_int),          # sample index from the start of the call
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short),
                             ctypes.c_int, ctypes.POINTER(_Event))


@dataclass
class WordEvent:
    """espeak's word-start event: character span of the word in the text, and its sample."""

    offset: int   # 0-based character offset into the text
    length: int
    sample: int


class Espeak:
    """The shared libespeak-ng with a synth callback; ``synth`` holds its lock."""

    def __init__(self):
        self._engine = espeak.shared()
        self._lib = self._engine.lib
        self.sample_rate = self._engine.sample_rate
        self._blocks, self._events = [], []
        self._callback = _Callback(self._on_synth)  # kept alive: C holds the pointer
        self._lib.espeak_SetSynthCallback(self._callback)

    def _on_synth(self, wav, count, events):
        if count > 0:
            self._blocks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        i = 0
        while events[i].type != _EVENT_END_OF_LIST:
            e = events[i]
            if e.type == _EVENT_WORD:
                self._events.append(WordEvent(e.text_position - 1, e.length, e.sample))
            i += 1
        return 0

    def synth(self, text, voice="en-us", wpm=170, pitch=50):
        """Speak ``text``; return (int16 samples, [WordEvent]) at ``sample_rate``."""
        data = text.encode("utf-8")
        with self._engine.lock:
            self._blocks, self._events = [], []
            if not self._engine.set_voice(voice):
                raise ValueError(f"espeak-ng has no voice {voice!r}")
            self._engine.seed()  # the same text and voice give the same audio, whatever came before
            self._lib.espeak_SetParameter(_PARAM_RATE, int(wpm), 0)
            self._lib.espeak_SetParameter(_PARAM_PITCH, int(pitch), 0)
            buf = ctypes.create_string_buffer(data)
            err = self._lib.espeak_Synth(buf, len(data) + 1, 0, _POS_CHARACTER, 0,
                                         _CHARS_UTF8, None, None)
            if err != 0:
                raise RuntimeError(f"espeak_Synth failed ({err})")
            self._lib.espeak_Synchronize()
            audio = np.concatenate(self._blocks) if self._blocks else np.zeros(0, np.int16)
            return audio, list(self._events)


_shared = None


def engine():
    """The process-wide Espeak (espeak-ng keeps global state, so one is all there is)."""
    global _shared
    if _shared is None:
        _shared = Espeak()
    return _shared
