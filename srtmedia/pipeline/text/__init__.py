"""Reading the subtitles: cues, their words and language, and the sentences and paragraphs they make."""
