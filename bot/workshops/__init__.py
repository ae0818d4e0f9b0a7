"""Workshops: a trainer leads a group through lessons, each participant in their language."""
