"""Downloads of a finished result in every format."""
import copy
import json
from pathlib import Path

import pytest

from srtmedia.pipeline.output.exports import CONTENT_TYPES, EXTENSIONS, FORMATS, export, format_for_path
from srtmedia.pipeline.text.subtitles import parse_subtitles, subtitle_format


def word(text, start, end):
    return {"text": text, "start": start, "end": end, "confidence": 0.9}


RESULT = {
    "paragraphs": [
        {"index": 0, "start": 1.234, "end": 4.5, "text": "Hello, café world. [MUSIC]",
         "sentences": [
             {"start": 1.234, "end": 3.0, "text": "Hello, café world.",
              "words": [word("Hello,", 1.234, 1.6), word("café", 1.7, 2.2), word("world.", 2.3, 3.0)]},
             {"start": 3.2, "end": 4.5, "text": "[MUSIC]", "words": [word("[MUSIC]", 3.2, 4.5)]},
         ],
         "cue_indices": [0, 1]},
        {"index": 1, "start": 75.9, "end": 80.0, "text": "Second *paragraph* here.",
         "sentences": [{"start": 75.9, "end": 80.0, "text": "Second *paragraph* here.", "words": []}],
         "cue_indices": [2]},
    ],
    "cues": [
        {"index": 0, "start": 1.234, "end": 3.0, "text": "<i>Hello, café</i>\nworld.",
         "original_start": 0.0, "original_end": 1.766, "found": True},
        {"index": 1, "start": 3.2, "end": 4.5, "text": "[MUSIC]",
         "original_start": 2.0, "original_end": 3.3, "found": False},
        {"index": 2, "start": 75.9, "end": 80.0, "text": "Second *paragraph* here.",
         "original_start": 74.7, "original_end": 78.8, "found": True},
    ],
    "timing": {"offset": 1.234, "ratio": 1.0, "segments": [{"start": 0.0, "end": 90.0, "offset": 1.234, "ratio": 1.0}]},
    "transcript": {"words": [], "agreement": 0.9, "language": "en"},
    "media": {"duration": 90.0, "format": "mp3", "streams": []},
    "engine": {"srtmedia": "0.1.0"},
    "warnings": [],
}


def long_result():
    result = copy.deepcopy(RESULT)
    result["media"]["duration"] = 4000.0
    result["paragraphs"][1]["start"] = 3725.0
    return result


def test_every_format_has_a_content_type_and_extension():
    assert FORMATS == ("json", "srt", "vtt", "ass", "ssa", "txt", "md")
    assert CONTENT_TYPES == {
        "json": "application/json",
        "srt": "application/x-subrip",
        "vtt": "text/vtt; charset=utf-8",
        "ass": "text/x-ssa; charset=utf-8",
        "ssa": "text/x-ssa; charset=utf-8",
        "txt": "text/plain; charset=utf-8",
        "md": "text/markdown; charset=utf-8",
    }
    assert EXTENSIONS == {"json": ".json", "srt": ".srt", "vtt": ".vtt", "ass": ".ass", "ssa": ".ssa",
                          "txt": ".txt", "md": ".md"}


def test_json_is_indented_readable_utf8_and_complete():
    text = export(RESULT, "json")
    assert json.loads(text) == RESULT
    assert "café" in text and '\n  "paragraphs": [' in text


def test_srt_has_corrected_times_and_original_text():
    assert export(RESULT, "srt") == (
        "1\n00:00:01,234 --> 00:00:03,000\n<i>Hello, café</i>\nworld.\n\n"
        "2\n00:00:03,200 --> 00:00:04,500\n[MUSIC]\n\n"
        "3\n00:01:15,900 --> 00:01:20,000\nSecond *paragraph* here.\n")


def test_vtt_has_corrected_times_and_original_text():
    assert export(RESULT, "vtt") == (
        "WEBVTT\n\n"
        "00:00:01.234 --> 00:00:03.000\n<i>Hello, café</i>\nworld.\n\n"
        "00:00:03.200 --> 00:00:04.500\n[MUSIC]\n\n"
        "00:01:15.900 --> 00:01:20.000\nSecond *paragraph* here.\n")


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_subtitle_exports_read_back_as_the_result_cues(fmt):
    cues = parse_subtitles(export(RESULT, fmt))
    assert [(c.start, c.end, c.text) for c in cues] == [(c["start"], c["end"], c["text"]) for c in RESULT["cues"]]


STYLED = (Path(__file__).parent / "data" / "subtitles" / "styled.ass").read_text(encoding="utf-8")


def retimed(shift):
    """The result cues of STYLED moved by ``shift`` seconds."""
    return [{"index": c.index, "start": c.start + shift, "end": c.end + shift, "text": c.text}
            for c in parse_subtitles(STYLED)]


def test_ass_upload_comes_back_as_ass_with_its_styles_positions_and_new_times():
    written = export({"cues": retimed(1.25)}, "ass", original=STYLED)
    assert subtitle_format(written) == "ass"
    for kept in ("Style: Sign,Georgia,28", "PlayResX: 640", "{\\pos(320,50)}A sign",
                 "Hello {\\i1}there{\\i0},\\Nfriend.", "Comment: 0,0:00:02.00,0:00:03.00"):
        assert kept in written
    again = parse_subtitles(written)
    assert [(c.start, c.end) for c in again] == [(2.25, 3.75), (4.25, 5.25)]
    assert [c.text for c in again] == [c.text for c in parse_subtitles(STYLED)]


def test_ass_upload_asked_as_srt_keeps_italics_and_drops_tags_srt_cannot_say():
    written = export({"cues": retimed(-0.5)}, "srt", original=STYLED)
    assert [(c.start, c.end, c.text) for c in parse_subtitles(written)] == [
        (0.5, 2.0, "Hello <i>there</i>,\nfriend."), (2.5, 3.5, "A sign")]


@pytest.mark.parametrize("fmt", ["ass", "ssa"])
def test_srt_results_convert_to_substation_formats(fmt):
    written = export(RESULT, fmt)
    assert subtitle_format(written) == fmt
    cues = parse_subtitles(written)
    assert [(c.start, c.end) for c in cues] == [(1.23, 3.0), (3.2, 4.5), (75.9, 80.0)]  # ASS keeps centiseconds
    assert cues[0].text == "{\\i1}Hello, café{\\i0}\\Nworld."


def test_substation_export_refuses_cues_of_another_file():
    with pytest.raises(ValueError, match="2 Dialogue events"):
        export(RESULT, "ass", original=STYLED)


def test_txt_is_paragraphs_separated_by_blank_lines():
    assert export(RESULT, "txt") == "Hello, café world. [MUSIC]\n\nSecond *paragraph* here.\n"


def test_md_has_title_timestamps_and_italic_sound():
    assert export(RESULT, "md") == (
        "# Transcript\n\n"
        "**[00:01]** Hello, café world. _[MUSIC]_\n\n"
        "**[01:15]** Second \\*paragraph\\* here.\n")


def test_md_uses_hours_for_media_of_an_hour_or_more():
    text = export(long_result(), "md")
    assert "**[0:00:01]** Hello" in text and "**[1:02:05]** Second" in text


def test_md_uses_hours_when_the_media_duration_is_missing_or_short():
    result = long_result()
    del result["media"]
    assert "**[1:02:05]**" in export(result, "md")
    result["media"] = {"duration": 10.0}
    assert "**[1:02:05]**" in export(result, "md")


def test_md_honours_an_explicit_sound_flag():
    result = copy.deepcopy(RESULT)
    result["paragraphs"][1]["sentences"][0]["sound"] = True
    assert "**[01:15]** _Second \\*paragraph\\* here._" in export(result, "md")


def test_empty_result_exports():
    empty = {"paragraphs": [], "cues": []}
    assert export(empty, "txt") == ""
    assert export(empty, "srt") == ""
    assert export(empty, "vtt") == "WEBVTT\n"
    assert export(empty, "md") == "# Transcript\n"


def test_format_names_are_forgiving():
    assert export(RESULT, " SRT ") == export(RESULT, "srt")
    assert export(RESULT, "markdown") == export(RESULT, "md")


def test_unknown_export_format():
    with pytest.raises(ValueError, match=r"unknown export format 'docx' \(choose one of json, srt, vtt, ass, ssa, txt, md\)"):
        export(RESULT, "docx")


@pytest.mark.parametrize("path, fmt", [
    ("out.json", "json"), ("out.SRT", "srt"), ("dir.v1/out.vtt", "vtt"), ("notes.txt", "txt"),
    ("notes.md", "md"), ("notes.markdown", "md"),
])
def test_format_for_path_from_extension(path, fmt):
    assert format_for_path(path) == fmt


def test_format_for_path_prefers_the_explicit_format():
    assert format_for_path("out.json", explicit="md") == "md"


@pytest.mark.parametrize("path", ["out.docx", "out", "dir.srt/out"])
def test_format_for_path_refuses_unknown_extensions(path):
    with pytest.raises(ValueError, match=r"cannot tell the export format from .*: use a name ending in .json, .srt"):
        format_for_path(path)


def test_format_for_path_refuses_an_unknown_explicit_format():
    with pytest.raises(ValueError, match="unknown export format 'pdf'"):
        format_for_path("out.txt", explicit="pdf")


def test_an_ssa_upload_comes_back_as_ssa_with_its_styles():
    import pysubs2

    ssa = pysubs2.SSAFile.from_string(STYLED).to_string("ssa")
    written = export({"cues": retimed(2.0)}, "ssa", original=ssa)
    assert subtitle_format(written) == "ssa" and "[V4 Styles]" in written and "Style: Sign,Georgia,28" in written
    assert [(c.start, c.end) for c in parse_subtitles(written)] == [(3.0, 4.5), (5.0, 6.0)]
