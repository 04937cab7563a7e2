"""The timing chart and the run summary, from results as the pipeline writes them."""
import xml.etree.ElementTree as ET

import pytest

from srtmedia.pipeline.output.chart import check_chart_path, chart_data, describe, svg, ticks, write_chart
from srtmedia.pipeline.output.summary import clock, cuts, summarize

SVG = "{http://www.w3.org/2000/svg}"


def cue(index, old, new, found=True, text=None):
    return {"index": index, "start": new, "end": new + 1.5, "text": text or f"cue {index}",
            "original_start": old, "original_end": old + 1.5, "found": found}


# Subtitles 2.4 s late in the first part; a 17 s break inserted in the media at subtitle time 60.
CUT = {
    "cues": [cue(0, 12.4, 10.0), cue(1, 32.4, 30.0), cue(2, 52.4, 50.0, found=False, text="<i>Not</i> & said"),
             cue(3, 70.0, 84.6), cue(4, 90.0, 104.6)],
    "timing": {"offset": -2.4, "ratio": 1.0, "segments": [
        {"start": 0.0, "end": 60.0, "offset": -2.4, "ratio": 1.0},
        {"start": 60.0, "end": 91.5, "offset": 14.6, "ratio": 1.0}]},
    "transcript": {"language": "en", "speech": [[9.8, 11.6], [29.9, 31.5], [84.5, 86.0], [104.5, 106.2]]},
    "media": {"duration": 110.0},
}


def test_summary_names_offset_cuts_and_cues():
    summary = summarize(CUT)
    assert summary == {"duration": 110.0, "language": "en", "offset": -2.4, "ratio": 1.0,
                       "cuts": [{"at": 57.6, "subtitle_at": 60.0, "shift": 17.0}],
                       "cues": 5, "cues_moved": 5, "cues_not_found": 1}


def test_a_removed_part_is_a_negative_shift():
    segments = [{"start": 0.0, "end": 30.0, "offset": 0.0, "ratio": 1.0},
                {"start": 30.0, "end": 60.0, "offset": -5.0, "ratio": 1.0}]
    assert cuts(segments) == [{"at": 30.0, "subtitle_at": 30.0, "shift": -5.0}]


def test_summary_tolerates_a_result_without_timing():
    assert summarize({"cues": []}) == {"duration": None, "language": None, "offset": 0.0, "ratio": 1.0,
                                       "cuts": [], "cues": 0, "cues_moved": 0, "cues_not_found": 0}


def test_clock():
    assert [clock(5.04), clock(760.0), clock(3725.25), clock(59.6, tenths=False)] == \
        ["0:05.0", "12:40.0", "1:02:05.2", "1:00"]


def test_ticks_are_round_steps_inside_the_range():
    assert ticks(0, 110, 8) == [0, 20, 40, 60, 80, 100]
    assert ticks(-3.1, 17.4, 5) == [0, 5, 10, 15]
    assert ticks(-0.75, 0.5, 5) == [-0.5, 0.0, 0.5]


def test_svg_is_an_image_with_a_label_cues_cut_and_speech():
    root = ET.fromstring(svg(CUT))
    assert root.get("role") == "img"
    label = root.get("aria-label")
    assert label.startswith("Timing chart:") and "0:57.6 (+17.0 s)" in label and "1 cue not found" in label
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "not found: <i>Not</i> & said\n0:52.4 \u2192 0:50.0" in titles  # escaped in the file, intact here
    assert len(list(root.iter(f"{SVG}circle"))) == 4
    assert sum(1 for t in root.iter(f"{SVG}text") if t.text.startswith("cut 0:57.6 +17.0 s")) == 1
    assert sum(1 for t in titles if t.startswith("speech ")) == 4


def test_chart_data_puts_segments_in_media_time_from_the_media_start():
    data = chart_data(CUT)
    assert data["segments"] == [[(0.0, -2.4), (57.6, -2.4)], [(74.6, 14.6), (106.1, 14.6)]]
    assert describe(data).startswith("Timing chart: shift applied to each of 5 cues across 1:50.0 of media")


@pytest.mark.parametrize("name", ["chart.svg", "chart.png"])
def test_write_chart_by_extension(tmp_path, name):
    path = tmp_path / name
    write_chart(CUT, path)
    head = path.read_bytes()[:8]
    assert head == b"\x89PNG\r\n\x1a\n" if name.endswith(".png") else head.startswith(b"<svg")


def test_other_chart_names_are_refused_before_the_run():
    with pytest.raises(ValueError, match=r"\.svg or \.png"):
        check_chart_path("chart.pdf")
