"""Measurements of DigiBridge: NLU accuracy, training cost. Results are in the README."""
