"""The declarative base every project table uses, so one metadata holds them all."""

from __future__ import annotations

from sqlalchemy.orm import declarative_base

Base = declarative_base()
