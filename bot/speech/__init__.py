"""Answers read aloud: offline text-to-speech (eSpeak NG), OGG/Opus, cached per answer text."""
