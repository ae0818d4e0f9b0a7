"""The child processes `digibridge up` supervises, each started with only what it needs."""
