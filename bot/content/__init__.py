"""Answer content: the shipped files, their validation, and the database they are served from."""
