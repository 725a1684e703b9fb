"""Attune: label relationship messages and read the pattern between two people."""

__version__ = "0.1.0"
