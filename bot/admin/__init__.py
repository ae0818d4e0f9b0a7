"""The administrators' side: accounts, content editing, local settings, review, analytics."""
