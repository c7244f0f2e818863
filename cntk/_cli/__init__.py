"""``python -m cntk``: the command line (info, convert-csv, train, predict)."""
from .main import main

__all__ = ["main"]
