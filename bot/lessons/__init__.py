"""Short lessons with a quiz, and the self-check: taken alone or in a workshop."""
