"""Reading subtitle files (SRT, WebVTT, ASS/SSA) and writing SRT and WebVTT."""
import math
import re

from srtmedia.pipeline.errors import LimitExceeded, SubtitleError
from srtmedia.pipeline.model import Cue
from srtmedia.pipeline.output.substation import is_substation, parse_substation, substation_format

# One timestamp: optional hours (any 1-3 digits), then mm:ss and exactly three
# digits of milliseconds. "," and "." are both accepted in SRT and WebVTT
# because real files mix them up; anything looser ("0:0:5", "00:00:05,5") is
# ambiguous and rejected with the line number instead of guessed.
_TIMESTAMP = re.compile(r"(?:([0-9]{1,3}):)?([0-9]{2}):([0-9]{2})[,.]([0-9]{3})")

# A line that was meant as a timing line even though it has no "-->", such as
# "00:00:05,000 00:00:06,000" or "00:00:05,000 - 00:00:06,000". It needs a
# fraction on the first time so dialogue like "10:30 11:00 works" stays text.
_TIMING_WITHOUT_ARROW = re.compile(
    r"[0-9]+:[0-9]+(?::[0-9]+)?[,.][0-9]+\s*(?:-+>?|[>\u2013\u2014]|\s)\s*[0-9]+:[0-9]+"
)

_NUMBER = re.compile(r"[0-9]+")
_VTT_BLOCKS = ("NOTE", "STYLE", "REGION")

_UTF32_BOMS = {b"\xff\xfe\x00\x00": "utf-32-le", b"\x00\x00\xfe\xff": "utf-32-be"}
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
_BINARY = "not a subtitle file (binary data)"


def decode_subtitle_bytes(data):
    """Bytes of a subtitle file as text with "\\n" line ends and no BOM.

    Raises SubtitleError when the bytes are binary rather than text.
    """
    text = _decode(bytes(data))
    if "\x00" in text:
        raise SubtitleError(_BINARY)
    return _normalise(text)


def _decode(data):
    for bom, codec in _UTF32_BOMS.items():
        if data.startswith(bom):
            return _strict(data[len(bom):], codec)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    else:
        for bom, codec in _UTF16_BOMS.items():
            if data.startswith(bom):
                return _strict(data[len(bom):], codec)
        codec = _bomless_utf16(data)
        if codec:
            return _strict(data, codec)
    if b"\x00" in data:
        raise SubtitleError(_BINARY)
    # A strict chain rather than charset-normalizer: its guess on a short file
    # with a handful of accented letters flips between cp1250, cp1252 and
    # mac_roman, while the files this service sees (English subtitles) are
    # UTF-8 or come from Windows tools in cp1252. Falling back line by line
    # keeps a UTF-8 file with one stray cp1252 quote readable everywhere else.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return "\n".join(_decode_line(line) for line in data.split(b"\n"))


def _decode_line(line):
    for codec in ("utf-8", "cp1252"):
        try:
            return line.decode(codec)
        except UnicodeDecodeError:
            pass
    # cp1252 leaves five bytes undefined; latin-1 maps every byte.
    return line.decode("latin-1")


def _bomless_utf16(data):
    """"utf-16-le"/"utf-16-be" when NULs sit in every other byte, as ASCII text does."""
    sample = data[:4096]
    sample = sample[: len(sample) // 2 * 2]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sample[0::2].count(0) / pairs
    odd = sample[1::2].count(0) / pairs
    if odd > 0.4 and even < 0.05:
        return "utf-16-le"
    if even > 0.4 and odd < 0.05:
        return "utf-16-be"
    return None


def _strict(data, codec):
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        raise SubtitleError(_BINARY) from None


def _normalise(text):
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def read_subtitles(path, max_cues=None):
    """The cues of the SRT, WebVTT, ASS or SSA file at ``path``.

    Raises SubtitleError for a malformed or binary file and LimitExceeded
    when it holds more than ``max_cues`` cues.
    """
    with open(path, "rb") as f:
        data = f.read()
    return parse_subtitles(decode_subtitle_bytes(data), max_cues=max_cues)


def subtitle_format(text):
    """"srt", "vtt", "ass" or "ssa": the format of decoded subtitle ``text``, from its first line."""
    text = _normalise(text)
    if is_substation(text):
        return substation_format(text)
    first = next((line for line in text.split("\n") if line.strip()), "")
    return "vtt" if first.lstrip().startswith("WEBVTT") else "srt"


def parse_subtitles(text, max_cues=None):
    """The cues of SRT, WebVTT, ASS or SSA ``text``, in file order (overlaps kept).

    Raises SubtitleError naming the line at fault, and LimitExceeded as soon
    as more than ``max_cues`` cues have been read.
    """
    text = _normalise(text)
    lines = text.split("\n")
    if not any(line.strip() for line in lines):
        raise SubtitleError("the file is empty")
    if is_substation(text):
        return parse_substation(text, max_cues=max_cues)
    first = next(i for i, line in enumerate(lines) if line.strip())
    vtt = lines[first].lstrip().startswith("WEBVTT")
    cues = _Parser(lines, vtt, max_cues).parse(first + 1 if vtt else first)
    if not cues:
        raise SubtitleError("no subtitle cues found")
    return cues


class _Parser:
    """One pass over the lines; a timing line always starts a new cue.

    Lines that are neither blank nor timing lines are text of the current cue,
    even after a blank line, since real files put blank lines inside cues. A
    cue number (SRT) or identifier (WebVTT) is recognised by the timing line
    that follows it.
    """

    def __init__(self, lines, vtt, max_cues):
        self.lines = lines
        self.vtt = vtt
        self.max_cues = max_cues
        self.cues = []
        self.text = []  # (line number, line) of the current cue's text

    def parse(self, i):
        """The cues, reading from line index ``i`` (past the WebVTT signature)."""
        if self.vtt:
            i = self._skip_block(i - 1)  # the header runs up to the first blank line
        after_blank = True
        while i < len(self.lines):
            line = self.lines[i]
            stripped = line.strip()
            if not stripped:
                after_blank = True
                i += 1
                continue
            if self.vtt and after_blank and stripped.split(None, 1)[0] in _VTT_BLOCKS:
                i = self._skip_block(i)
                continue
            times = _timing(stripped, i + 1)
            if times:
                self._start_cue(i, times)
            else:
                if after_blank:
                    self._check_cue_start(i)
                self.text.append((i + 1, line.rstrip()))
            after_blank = False
            i += 1
        self._finish_cue()
        return self.cues

    def _skip_block(self, i):
        """Index of the blank or timing line that ends the block starting at ``i``."""
        i += 1
        while i < len(self.lines) and self.lines[i].strip() and not _is_timing_attempt(self.lines[i].strip()):
            i += 1
        return i

    def _check_cue_start(self, i):
        """Refuse text where a cue has to begin, or a cue number without its timing line."""
        stripped = self.lines[i].strip()
        is_number = bool(_NUMBER.fullmatch(stripped))
        if self.cues and (self.vtt or not is_number):
            return  # text after a blank line continues the previous cue
        if not self.vtt and not is_number:
            raise SubtitleError(f"expected a cue number or 'start --> end', found {_show(stripped)}", line=i + 1)
        nxt = self.lines[i + 1].strip() if i + 1 < len(self.lines) else ""
        if nxt and _is_timing_attempt(nxt):
            return  # a cue number or identifier; the timing line comes next
        if nxt:
            raise SubtitleError(f"expected 'start --> end', found {_show(nxt)}", line=i + 2)
        if is_number:
            raise SubtitleError(f"cue {stripped} has no 'start --> end' line", line=i + 1)
        raise SubtitleError(f"expected 'start --> end', found {_show(stripped)}", line=i + 1)

    def _start_cue(self, i, times):
        number = ""
        if self.text and self.text[-1][0] == i and self._is_identifier(i - 1):
            number = self.text.pop()[1].strip()
        self._finish_cue()
        if self.max_cues is not None and len(self.cues) >= self.max_cues:
            raise LimitExceeded(f"too many subtitle cues (the limit is {self.max_cues:,})")
        start, end = times
        self.cues.append(Cue(index=len(self.cues), start=start, end=end, text="", number=number, line=i + 1))

    def _is_identifier(self, i):
        if self.vtt:
            return i == 0 or not self.lines[i - 1].strip()
        return bool(_NUMBER.fullmatch(self.lines[i].strip()))

    def _finish_cue(self):
        if self.cues and self.text:
            self.cues[-1].text = "\n".join(line for _, line in self.text)
        self.text = []


def _is_timing_attempt(stripped):
    return "-->" in stripped or bool(_TIMING_WITHOUT_ARROW.match(stripped))


def _timing(stripped, lineno):
    """(start, end) seconds of a timing line, None for any other line.

    Raises SubtitleError for a line that was meant as a timing line but is malformed.
    """
    if "-->" not in stripped:
        if _TIMING_WITHOUT_ARROW.match(stripped):
            raise SubtitleError(f"expected 'start --> end', found {_show(stripped)}", line=lineno)
        return None
    left, right = stripped.split("-->", 1)
    left = left.strip()
    # After the end time SRT may carry "X1:.. Y1:.." and WebVTT cue settings.
    right = right.split(None, 1)[0] if right.strip() else ""
    if not left:
        raise SubtitleError("the start time is missing before '-->'", line=lineno)
    if not right:
        raise SubtitleError("the end time is missing after '-->'", line=lineno)
    start = _seconds(left, lineno)
    end = _seconds(right, lineno)
    if end < start:
        raise SubtitleError(f"the cue ends before it starts ({left} --> {right})", line=lineno)
    return start, end


def _seconds(token, lineno):
    m = _TIMESTAMP.fullmatch(token)
    if not m or int(m.group(2)) > 59 or int(m.group(3)) > 59:
        raise SubtitleError(f"bad timestamp {_show(token)}", line=lineno)
    hours, minutes, secs, millis = (int(g or 0) for g in m.groups())
    return (((hours * 60 + minutes) * 60 + secs) * 1000 + millis) / 1000


def _show(text, limit=40):
    text = text if len(text) <= limit else text[: limit - 1] + "\u2026"
    return f"'{text}'"


def format_timestamp(seconds, sep=","):
    """``seconds`` as "HH:MM:SS,mmm" (``sep`` before the milliseconds); negatives clamp to 0."""
    if not math.isfinite(seconds):
        raise ValueError(f"not a time: {seconds!r}")
    millis = max(0, round(seconds * 1000))
    secs, millis = divmod(millis, 1000)
    minutes, secs = divmod(secs, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{millis:03d}"


def format_srt(cues):
    """SRT text for ``cues`` (Cue objects or dicts with start/end/text), numbered from 1."""
    blocks = []
    for number, cue in enumerate(cues, 1):
        start, end, text = _cue_fields(cue)
        timing = f"{format_timestamp(start)} --> {format_timestamp(end)}"
        blocks.append("\n".join([str(number), timing, *text]) + "\n")
    return "\n".join(blocks)


def format_vtt(cues):
    """WebVTT text for ``cues`` (Cue objects or dicts with start/end/text)."""
    blocks = ["WEBVTT\n"]
    for cue in cues:
        start, end, text = _cue_fields(cue)
        timing = f"{format_timestamp(start, '.')} --> {format_timestamp(end, '.')}"
        blocks.append("\n".join([timing, *text]) + "\n")
    return "\n".join(blocks)


def _cue_fields(cue):
    """start, end and the text lines of a cue, made safe to write back.

    Blank lines would end the cue and "-->" would read as a timing line, so
    blank lines are dropped and arrows shortened.
    """
    if isinstance(cue, dict):
        start, end, text = cue["start"], cue["end"], cue.get("text") or ""
    else:
        start, end, text = cue.start, cue.end, cue.text or ""
    lines = [line.replace("-->", "->") for line in _normalise(text).split("\n") if line.strip()]
    return start, end, lines
