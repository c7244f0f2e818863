"""Errors raised for model files that cannot be read."""
from __future__ import annotations


class ModelFileError(ValueError):
    """A model or checkpoint file is malformed, of another format, or inconsistent.

    The message names the file and, where it applies, the function or variable, and what was
    expected against what was found."""
