"""Join codes that are easy to read aloud and to type on a small phone.

Six characters from an alphabet without the look-alikes 0/O, 1/I/L, 2/Z, 5/S and 8/B,
always mixing letters and digits so that a code is never a word someone writes to the
assistant by chance. Codes are compared without case and spaces ("kx 7p4m" is KX7P4M).
"""

from __future__ import annotations

import re
import secrets

LETTERS = "ACDEFGHJKMNPQRTUVWXY"
DIGITS = "34679"
ALPHABET = LETTERS + DIGITS
LENGTH = 6
_CODE = re.compile(rf"[{ALPHABET}]{{{LENGTH}}}")


def new_code() -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if any(c in DIGITS for c in code) and any(c in LETTERS for c in code):
            return code


def normalise(text: str) -> str | None:
    """The code `text` is, or None when it cannot be one."""
    candidate = re.sub(r"[\s\-]", "", text).upper()
    return candidate if _CODE.fullmatch(candidate) and not candidate.isalpha() else None
