"""The result and the files made from it: transcript, corrected subtitles, charts, summaries."""
