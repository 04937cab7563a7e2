"""Placing subtitle words on the media timeline: the global timing map, forced alignment, onsets."""
