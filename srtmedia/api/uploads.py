"""Multipart uploads streamed straight into a task folder, and the cheap checks done before 202."""
import itertools
import os
import re
import unicodedata

from werkzeug.formparser import FormDataParser

from srtmedia.api.errors import Problem
from srtmedia.api.sniff import HEAD_BYTES, estimate_duration, media_kind
from srtmedia.tasks.folders import MEDIA_NAME, SUBTITLES_NAME

SUBTITLES_FIELD, MEDIA_FIELD = "srt_file", "media_file"
# Also bounds the parser's read buffer, which takes 64 KiB chunks: keep it well above that.
MAX_FORM_FIELD_BYTES = 1024 * 1024
MAX_FORM_PARTS = 32
_DRAIN_LIMIT = 16 * 1024 * 1024
_CHUNK = 1024 * 1024
MAX_NAME_CHARS = 200


def receive(request, folder, max_bytes):
    """Parse the multipart body into ``folder``; return (form fields, {field: path}, {field: name}).

    File parts are written as they arrive, so memory use does not grow with the
    upload. Client file names are never used on disk: parts get numbered names
    first and the two known fields are then renamed to fixed ones. The names
    are returned, cleaned by display_name, to be shown to their owner.
    """
    if request.mimetype != "multipart/form-data":
        raise Problem(400, "Send multipart/form-data with the fields srt_file and media_file.")
    numbers = itertools.count()

    def open_part(total_content_length, content_type, filename, content_length=None):
        return open(os.path.join(folder, f"part-{next(numbers)}.upload"), "wb+")

    parser = FormDataParser(stream_factory=open_part, max_form_memory_size=MAX_FORM_FIELD_BYTES,
                            max_content_length=max_bytes, silent=False, max_form_parts=MAX_FORM_PARTS)
    try:
        _, form, files = parser.parse(request.stream, request.mimetype, request.content_length,
                                      request.mimetype_params)
    except ValueError as exc:
        raise Problem(400, f"Malformed multipart body: {exc}") from exc
    paths, names = {}, {}
    for name, storage in files.items(multi=True):
        part_path = storage.stream.name
        storage.close()
        if name in (SUBTITLES_FIELD, MEDIA_FIELD) and name not in paths:
            paths[name] = os.path.join(folder, SUBTITLES_NAME if name == SUBTITLES_FIELD else MEDIA_NAME)
            names[name] = display_name(storage.filename)
            os.replace(part_path, paths[name])
        else:
            os.remove(part_path)
    for name in (SUBTITLES_FIELD, MEDIA_FIELD):
        if name not in paths:
            raise Problem(400, f"Missing file field '{name}'.", field=name)
    return form, paths, names


def display_name(filename, limit=MAX_NAME_CHARS):
    """A client's file name fit to show: its last path part, no control characters, at most
    ``limit`` characters; "" when there is none. Pages still escape it; it never names a file."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name if len(name) <= limit else name[: limit - 1] + "\u2026"


def check_subtitles(path, max_bytes, max_cues):
    """Parse the subtitles once; return (cue count, format) or raise a 400/413 Problem.

    The format is "srt", "vtt", "ass" or "ssa", what results are written in by default.
    """
    from srtmedia.pipeline.errors import LimitExceeded, SubtitleError
    from srtmedia.pipeline.text.subtitles import decode_subtitle_bytes, parse_subtitles, subtitle_format

    if os.path.getsize(path) > max_bytes:
        raise Problem(413, f"srt_file is larger than {max_bytes} bytes.", field=SUBTITLES_FIELD)
    text = ""
    try:
        with open(path, "rb") as source:
            text = decode_subtitle_bytes(source.read())
        cues = parse_subtitles(text, max_cues)
        fmt = subtitle_format(text)
    except SubtitleError as exc:
        raise Problem(400, f"Malformed {_kind(text)}: {exc}", field=SUBTITLES_FIELD, line=exc.line) from exc
    except LimitExceeded as exc:
        raise Problem(413, str(exc), field=SUBTITLES_FIELD) from exc
    return len(cues), fmt


def _kind(text):
    """What the subtitles were meant to be, for an error message ("SRT" for anything unclear)."""
    from srtmedia.pipeline.output.substation import is_substation

    if is_substation(text):
        return "ASS/SSA"
    first = next((line for line in text.split("\n") if line.strip()), "")
    return "WebVTT" if first.lstrip().startswith("WEBVTT") else "SRT"


def check_media(path, assumed_bytes_per_second):
    """{kind, size, estimated_duration} of an upload that looks like media; else a 400 Problem."""
    size = os.path.getsize(path)
    if size == 0:
        raise Problem(400, "media_file is empty.", field=MEDIA_FIELD)
    with open(path, "rb") as media:
        head = media.read(HEAD_BYTES)
    kind = media_kind(head)
    if kind is None:
        raise Problem(400, "media_file does not look like audio or video.", field=MEDIA_FIELD)
    return {"kind": kind, "size": size,
            "estimated_duration": round(estimate_duration(head, size, assumed_bytes_per_second), 3)}


def discard_body(request):
    """Read and drop a small unread body, so the client sees our answer rather than a reset."""
    length = request.content_length
    if length is None or length > _DRAIN_LIMIT:
        return False
    stream = request.stream
    while stream.read(_CHUNK):
        pass
    return True
