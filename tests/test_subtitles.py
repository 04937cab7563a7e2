"""Reading and writing subtitle files, as a user of the service sees it."""
import re
import time
from pathlib import Path

import pysubs2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from srtmedia.pipeline.errors import LimitExceeded, SubtitleError
from srtmedia.pipeline.model import Cue
from srtmedia.pipeline.text.subtitles import (
    decode_subtitle_bytes,
    format_srt,
    format_timestamp,
    format_vtt,
    parse_subtitles,
    read_subtitles,
    subtitle_format,
)

DATA = Path(__file__).parent / "data" / "subtitles"

GOOD_SRT = """1
00:00:01,000 --> 00:00:02,500
Hello there.

2
00:00:03,000 --> 00:00:05,000
<i>Two lines</i>
of text.
"""


def times(cues):
    return [(c.start, c.end) for c in cues]


def error_of(text, **kwargs):
    with pytest.raises(SubtitleError) as info:
        parse_subtitles(text, **kwargs)
    return info.value


# --- good files ---------------------------------------------------------------

def test_parses_a_plain_srt():
    cues = parse_subtitles(GOOD_SRT)
    assert [(c.index, c.number, c.line) for c in cues] == [(0, "1", 2), (1, "2", 6)]
    assert times(cues) == [(1.0, 2.5), (3.0, 5.0)]
    assert [c.text for c in cues] == ["Hello there.", "<i>Two lines</i>\nof text."]


def test_parses_a_webvtt_file_skipping_header_notes_style_and_region():
    cues = read_subtitles(DATA / "sample.vtt")
    assert times(cues) == [(1.0, 2.5), (2.5, 4.0), (4.0, 5.0)]
    assert [c.text for c in cues] == ["<v Anna>Hello, <b>world</b>.</v>", "<v Ben>Hi Anna!", "Bye."]
    assert [c.number for c in cues] == ["intro", "", ""]
    assert [c.line for c in cues] == [16, 19, 24]


def test_webvtt_cue_text_starting_with_note_is_text_not_a_comment():
    cues = parse_subtitles("WEBVTT\n\n00:01.000 --> 00:02.000\nNOTE to self\n")
    assert cues[0].text == "NOTE to self"


def test_webvtt_after_leading_blank_lines_is_recognised():
    cues = parse_subtitles("\n\nWEBVTT\nKind: captions\n\n00:01.000 --> 00:02.000\nHi\n")
    assert times(cues) == [(1.0, 2.0)] and cues[0].line == 6


def test_webvtt_with_byte_order_mark_is_recognised():
    cues = parse_subtitles("\ufeffWEBVTT\n\n00:01.000 --> 00:02.000\nHi\n")
    assert times(cues) == [(1.0, 2.0)]


def test_messy_real_world_srt_file():
    cues = read_subtitles(DATA / "messy.srt")
    assert times(cues) == [(1.0, 3.0), (2.5, 4.0), (5.0, 6.25), (7.0, 9.0)]
    assert [c.number for c in cues] == ["1", "7", "", "3"]
    assert [c.text for c in cues] == ["<i>Welcome back.</i>", "- Who's there?\n- Me.", "[MUSIC]", "Last line"]
    assert [c.line for c in cues] == [2, 7, 12, 16]


# --- tolerance ------------------------------------------------------------------

def test_missing_cue_numbers():
    cues = parse_subtitles("00:00:01,000 --> 00:00:02,000\nA\n\n00:00:03,000 --> 00:00:04,000\nB\n")
    assert [(c.number, c.text) for c in cues] == [("", "A"), ("", "B")]


def test_wrong_cue_numbers_are_kept_as_written_and_order_is_file_order():
    cues = parse_subtitles("5\n00:00:01,000 --> 00:00:02,000\nA\n\n5\n00:00:03,000 --> 00:00:04,000\nB\n")
    assert [(c.index, c.number) for c in cues] == [(0, "5"), (1, "5")]


def test_blank_line_inside_a_cue_continues_its_text():
    cues = parse_subtitles("1\n00:00:01,000 --> 00:00:02,000\nFirst\n\nSecond\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n")
    assert [c.text for c in cues] == ["First\nSecond", "B"]


def test_number_line_then_timing_line_starts_a_new_cue_even_without_blank_line():
    cues = parse_subtitles("1\n00:00:01,000 --> 00:00:02,000\nA\n2\n00:00:03,000 --> 00:00:04,000\nB\n")
    assert [(c.number, c.text) for c in cues] == [("1", "A"), ("2", "B")]


def test_extra_blank_lines_everywhere():
    cues = parse_subtitles("\n\n\n1\n00:00:01,000 --> 00:00:02,000\nA\n\n\n\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n\n\n")
    assert [c.text for c in cues] == ["A", "B"]


def test_overlapping_cues_are_kept_in_file_order():
    cues = parse_subtitles("1\n00:00:05,000 --> 00:00:08,000\nA\n\n2\n00:00:01,000 --> 00:00:06,000\nB\n")
    assert times(cues) == [(5.0, 8.0), (1.0, 6.0)]


@pytest.mark.parametrize("timing, expected", [
    ("00:00:01.500 --> 00:00:02.250", (1.5, 2.25)),       # '.' instead of ','
    ("1:02:03,004 --> 1:02:04,000", (3723.004, 3724.0)),  # 1-digit hours
    ("01:01,500 --> 01:02,000", (61.5, 62.0)),            # no hours
    ("00:00:01,000-->00:00:02,000", (1.0, 2.0)),          # no spaces around the arrow
    ("00:00:01,000 --> 00:00:02,000 X1:40 X2:600 Y1:20 Y2:50", (1.0, 2.0)),  # SRT position
    ("00:00:01,000 --> 00:00:01,000", (1.0, 1.0)),        # zero length is allowed
])
def test_timestamp_variants(timing, expected):
    assert times(parse_subtitles(f"1\n{timing}\nText\n")) == [expected]


def test_webvtt_cue_settings_are_ignored():
    cues = parse_subtitles("WEBVTT\n\n00:00:01.000 --> 00:00:02.000 align:end line:90% size:50%\nA\n")
    assert times(cues) == [(1.0, 2.0)] and cues[0].text == "A"


def test_cue_with_no_text_is_kept():
    cues = parse_subtitles("1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n")
    assert [c.text for c in cues] == ["", "B"]


# --- errors name the line ---------------------------------------------------------

def test_bad_timestamp_names_its_line():
    text = GOOD_SRT + "\n3\n00:00:6,000 --> 00:00:07,000\nText\n"
    error = error_of(text)
    assert str(error) == "line 11: bad timestamp '00:00:6,000'"
    assert error.line == 11


@pytest.mark.parametrize("timing", [
    "00:00:01,000 --> 00:61:02,000", "00:00:01,5 --> 00:00:02,000",
    "00:00:01,000 --> 00:00:02,000garbage", "a --> 00:00:02,000",
])
def test_other_bad_timestamps(timing):
    error = error_of(f"1\n{timing}\nText\n")
    assert error.line == 2 and "bad timestamp" in str(error)


def test_missing_arrow_names_its_line():
    text = GOOD_SRT + "\n3\n00:00:06,000 00:00:07,000\nText\n"
    assert str(error_of(text)) == "line 11: expected 'start --> end', found '00:00:06,000 00:00:07,000'"


def test_missing_end_time():
    assert str(error_of("1\n00:00:01,000 -->\nText\n")) == "line 2: the end time is missing after '-->'"


def test_end_before_start_names_its_line():
    error = error_of("1\n00:00:05,000 --> 00:00:04,000\nText\n")
    assert str(error) == "line 2: the cue ends before it starts (00:00:05,000 --> 00:00:04,000)"


def test_text_where_the_first_cue_should_begin():
    assert str(error_of("\nHello there\n00:00:01,000 --> 00:00:02,000\n")) == (
        "line 2: expected a cue number or 'start --> end', found 'Hello there'")


def test_cue_number_followed_by_text_instead_of_timing():
    assert str(error_of("1\nHello there\n")) == "line 2: expected 'start --> end', found 'Hello there'"


def test_cue_that_lost_its_timing_line_in_the_middle_of_the_file():
    error = error_of(GOOD_SRT + "\n3\nWhere is my timing?\n\n4\n00:00:08,000 --> 00:00:09,000\nX\n")
    assert str(error) == "line 11: expected 'start --> end', found 'Where is my timing?'"


def test_trailing_cue_number_without_timing():
    assert str(error_of(GOOD_SRT + "\n3\n")) == "line 10: cue 3 has no 'start --> end' line"


def test_webvtt_block_without_timing_before_first_cue():
    assert str(error_of("WEBVTT\n\nintro\nHello\n")) == "line 4: expected 'start --> end', found 'Hello'"


def test_long_lines_are_shortened_in_messages():
    error = error_of("x" * 500 + "\n")
    assert len(str(error)) < 100 and error.line == 1


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty"),
    ("\n \n\t\n", "the file is empty"),
    ("WEBVTT\n\nNOTE nothing here\n", "no subtitle cues found"),
])
def test_empty_files(text, message):
    error = error_of(text)
    assert str(error) == message and error.line is None


# --- limits -----------------------------------------------------------------------

def test_too_many_cues_fails_fast():
    text = "".join(f"{n}\n00:00:01,000 --> 00:00:02,000\nx\n\n" for n in range(1, 200_001))
    began = time.perf_counter()
    with pytest.raises(LimitExceeded, match="50,000"):
        parse_subtitles(text, max_cues=50_000)
    assert time.perf_counter() - began < 3.0


def test_cue_count_at_the_limit_is_accepted():
    text = "".join(f"{n}\n00:00:01,000 --> 00:00:02,000\nx\n\n" for n in range(1, 4))
    assert len(parse_subtitles(text, max_cues=3)) == 3
    with pytest.raises(LimitExceeded):
        parse_subtitles(text, max_cues=2)


def test_read_subtitles_applies_the_limit(tmp_path):
    path = tmp_path / "many.srt"
    path.write_text(GOOD_SRT)
    with pytest.raises(LimitExceeded):
        read_subtitles(path, max_cues=1)


# --- encodings ----------------------------------------------------------------------

CAFE = "1\r\n00:00:01,000 --> 00:00:02,000\r\nUn café, s’il vous plaît.\r\n"


@pytest.mark.parametrize("data", [
    CAFE.encode("utf-8"),
    b"\xef\xbb\xbf" + CAFE.encode("utf-8"),
    CAFE.encode("utf-16"),                       # with BOM
    b"\xff\xfe" + CAFE.encode("utf-16-le"),
    b"\xfe\xff" + CAFE.encode("utf-16-be"),
    CAFE.encode("utf-16-le"),                    # no BOM
    CAFE.encode("utf-16-be"),
    CAFE.encode("utf-32"),
    CAFE.encode("cp1252"),
], ids=["utf8", "utf8-bom", "utf16", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "utf32", "cp1252"])
def test_encodings_decode_to_the_same_text(data):
    assert decode_subtitle_bytes(data) == CAFE.replace("\r\n", "\n")


def test_cp1252_file_on_disk_reads_cafe():
    assert read_subtitles(DATA / "cafe-cp1252.srt")[0].text == "Un café, s’il vous plaît."


def test_utf8_file_with_one_stray_cp1252_byte_keeps_other_lines_intact():
    data = "Déjà vu\n".encode("utf-8") + b"It\x92s\n"
    assert decode_subtitle_bytes(data) == "Déjà vu\nIt’s\n"


def test_bytes_undefined_in_cp1252_fall_back_to_latin1():
    assert decode_subtitle_bytes(b"caf\xe9 \x81") == "café \x81"


def test_old_mac_line_endings_are_normalised():
    assert decode_subtitle_bytes(b"a\rb\r\nc") == "a\nb\nc"


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "movie.srt"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 4)
    with pytest.raises(SubtitleError, match=r"^not a subtitle file \(binary data\)$"):
        read_subtitles(path)


def test_a_few_nul_bytes_in_text_are_refused():
    with pytest.raises(SubtitleError, match="binary"):
        decode_subtitle_bytes(GOOD_SRT.encode() + b"\x00\x01\x02garbage")


# --- writing ------------------------------------------------------------------------

def test_format_timestamp_rounds_and_clamps():
    assert format_timestamp(3723.0044) == "01:02:03,004"
    assert format_timestamp(1.9996) == "00:00:02,000"
    assert format_timestamp(-0.5) == "00:00:00,000"
    assert format_timestamp(61.5, sep=".") == "00:01:01.500"
    assert format_timestamp(100 * 3600) == "100:00:00,000"


def test_format_srt_renumbers_from_one_and_accepts_dicts():
    cues = [{"index": 4, "start": 1.2344, "end": 2.0, "text": "A\nB"},
            Cue(index=9, start=3.0, end=4.5, text="C", number="77")]
    assert format_srt(cues) == (
        "1\n00:00:01,234 --> 00:00:02,000\nA\nB\n\n"
        "2\n00:00:03,000 --> 00:00:04,500\nC\n")


def test_format_vtt():
    cues = [{"index": 0, "start": 1.0, "end": 2.0, "text": "<v Anna>Hi"}]
    assert format_vtt(cues) == "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Anna>Hi\n"


def test_written_text_cannot_break_the_file():
    cues = [{"start": 1.0, "end": 2.0, "text": "a --> b\n\nc"}, {"start": 3.0, "end": 4.0, "text": "d"}]
    for written in (format_srt(cues), format_vtt(cues)):
        assert [c.text for c in parse_subtitles(written)] == ["a -> b\nc", "d"]


@pytest.mark.parametrize("name", ["messy.srt", "sample.vtt"])
def test_srt_and_vtt_round_trip_real_files(name):
    cues = read_subtitles(DATA / name)
    for written in (format_srt(cues), format_vtt(cues)):
        again = parse_subtitles(written)
        assert [(c.start, c.end, c.text) for c in again] == [(c.start, c.end, c.text) for c in cues]


# --- properties -----------------------------------------------------------------------

subtitle_like = st.lists(st.sampled_from([
    "", "\n", "1", "12", "-->", " --> ", "00:00:01,000", "00:01.000", "0:00:01.5", "WEBVTT",
    "NOTE", "STYLE", "\ufeff", "\r", "\r\n", "text", "<i>", "X1:10", ":", ",", ".", "\x00",
]), max_size=40).map("".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), subtitle_like))
def test_parse_raises_only_subtitle_errors(text):
    try:
        cues = parse_subtitles(text, max_cues=5)
    except (SubtitleError, LimitExceeded):
        return
    assert cues and all(c.start <= c.end for c in cues)


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_decode_raises_only_subtitle_errors(data):
    try:
        text = decode_subtitle_bytes(data)
    except SubtitleError:
        return
    assert "\r" not in text and "\x00" not in text


# Text that reads as a timing line ("0:00.5 0:01") is refused by design, so keep it out.
LOOKS_LIKE_TIMING = re.compile(r"\s*[0-9]+:[0-9]+")

line_text = st.text(
    st.characters(whitelist_categories=("L", "N", "P", "Zs"), blacklist_characters="\u2028\u2029\x85"),
    min_size=1, max_size=30,
).map(str.rstrip).filter(lambda s: s.strip() and "-->" not in s and not LOOKS_LIKE_TIMING.match(s))

cue_strategy = st.builds(
    lambda start, length, lines: {"start": start / 1000, "end": (start + length) / 1000, "text": "\n".join(lines)},
    st.integers(0, 360_000_000), st.integers(0, 10_000_000), st.lists(line_text, min_size=1, max_size=3),
)


@settings(max_examples=200)
@given(st.lists(cue_strategy, min_size=1, max_size=8))
def test_format_then_parse_round_trips_times_and_text(cues):
    for written in (format_srt(cues), format_vtt(cues)):
        again = parse_subtitles(written)
        assert [(round(c.start * 1000), round(c.end * 1000), c.text) for c in again] == [
            (round(c["start"] * 1000), round(c["end"] * 1000), c["text"]) for c in cues]


# --- ASS and SSA ------------------------------------------------------------------

def test_reads_the_dialogue_of_an_ass_script_with_tags_kept_and_comments_left_out():
    cues = read_subtitles(DATA / "styled.ass")
    assert times(cues) == [(1.0, 2.5), (3.0, 4.0)]
    assert [c.text for c in cues] == ["Hello {\\i1}there{\\i0},\\Nfriend.", "{\\pos(320,50)}A sign"]
    assert [c.line for c in cues] == [14, 16]
    assert subtitle_format((DATA / "styled.ass").read_text()) == "ass"


def test_tells_the_formats_apart():
    assert subtitle_format(GOOD_SRT) == "srt"
    assert subtitle_format("\ufeffWEBVTT\n\n00:01.000 --> 00:02.000\nHi\n") == "vtt"
    ssa = pysubs2.SSAFile.from_string((DATA / "styled.ass").read_text()).to_string("ssa")
    assert subtitle_format(ssa) == "ssa"


def ass_with(*events):
    header = (DATA / "styled.ass").read_text().split("[Events]")[0]
    return header + "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n" + \
        "\n".join(events) + "\n"


@pytest.mark.parametrize("event, message", [
    ("Dialogue: 0,0:00:0x.00,0:00:04.00,Default,,0,0,0,,bad", "bad timestamp '0:00:0x.00'"),
    ("Dialogue: 0,0:00:05.00", "expected 10 comma-separated fields, found 2"),
    ("Dialogue: 0,0:00:05.00,0:00:04.00,Default,,0,0,0,,backwards", "the event ends before it starts"),
    ("Dialogue: 0,0:61:05.00,0:62:04.00,Default,,0,0,0,,minutes", "bad timestamp '0:61:05.00'"),
])
def test_ass_errors_name_the_line(event, message):
    text = ass_with("Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,fine", event)
    line = text.split("\n").index(event) + 1
    error = error_of(text)
    assert error.line == line
    assert str(error).startswith(f"line {line}: {message}")


def test_ass_without_dialogue_or_format_is_refused():
    assert "no Dialogue lines" in str(error_of(ass_with("Comment: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,x")))
    header = (DATA / "styled.ass").read_text().split("[Events]")[0]
    error = error_of(header + "[Events]\nDialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,x\n")
    assert "before the [Events] Format line" in str(error) and error.line == header.count("\n") + 2


def test_ass_cue_limit():
    with pytest.raises(LimitExceeded):
        parse_subtitles(ass_with(*["Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,x"] * 3), max_cues=2)


_ASS_PIECES = st.sampled_from(["Dialogue: ", "Comment: ", "Format: ", "0", ",", "0:00:01.00", "9:99:99.99", "x",
                               "{\\i1}", "\\N", "[Events]", "[V4+ Styles]", ":", " ", "-->", "\ufeff", "\t"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_ASS_PIECES, max_size=14).map("".join), max_size=12))
def test_any_ass_script_reads_or_fails_with_a_clear_error(lines):
    text = ass_with(*lines)
    try:
        cues = parse_subtitles(text)
    except SubtitleError as exc:
        assert str(exc) and (exc.line is None or 1 <= exc.line <= text.count("\n") + 1), exc
    else:
        assert cues and all(0 <= c.start <= c.end for c in cues)
        assert all(text.split("\n")[c.line - 1].lower().startswith("dialogue") for c in cues)
