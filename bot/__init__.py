"""DigiBridge: a multilingual assistant for digital inclusion."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
