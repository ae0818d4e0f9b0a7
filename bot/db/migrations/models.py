"""Every project table's model, imported in one place for Alembic and adoption."""

from __future__ import annotations

from sqlalchemy import MetaData


def metadata() -> MetaData:
    from bot.admin import models as admin_models  # noqa: F401 - registers the tables
    from bot.content import models as content_models  # noqa: F401 - registers the tables
    from bot.core import models as core_models  # noqa: F401 - registers the tables
    from bot.db.base import Base
    from bot.lessons import models as lesson_models  # noqa: F401 - registers the tables
    from bot.publishing import models as publishing_models  # noqa: F401 - registers the tables
    from bot.workshops import models as workshop_models  # noqa: F401 - registers the tables

    return Base.metadata
