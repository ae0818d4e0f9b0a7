"""Who may do what on the admin side: one table of roles and their rights."""

from __future__ import annotations

from enum import Enum


class Right(str, Enum):
    READ_CONTENT = "read_content"  # see answers, the matrix, settings
    EDIT_CONTENT = "edit_content"  # answers and phrases, in the languages assigned
    REVIEW = "review"  # the review queue
    ANALYTICS = "analytics"
    SETTINGS = "settings"  # change local settings
    ACCOUNTS = "accounts"  # create and change accounts
    AUDIT = "audit"  # read and export the audit log
    WORKSHOPS = "workshops"
    PUBLISH = "publish"  # train, check and serve a model with the phrases added
    MODELS = "models"  # choose the serving model from the registry (roll back)


ROLES: dict[str, frozenset[Right]] = {
    "admin": frozenset(Right),
    "editor": frozenset({Right.READ_CONTENT, Right.EDIT_CONTENT, Right.PUBLISH}),
    "reviewer": frozenset({Right.READ_CONTENT, Right.REVIEW, Right.ANALYTICS}),
    "trainer": frozenset({Right.READ_CONTENT, Right.WORKSHOPS}),
}
# Roles whose editing is limited to the languages assigned to the account.
LANGUAGE_LIMITED = frozenset({"editor"})
