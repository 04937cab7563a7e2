"""Reading the media: decoded audio, where speech is, and the words recognised in it."""
