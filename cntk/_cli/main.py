"""Argument parsing and dispatch of ``python -m cntk`` subcommands."""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from . import convert, forecast, info


def build_parser() -> argparse.ArgumentParser:
    """The parser with one subparser per command; each sets ``run`` to its handler."""
    parser = argparse.ArgumentParser(prog="python -m cntk",
                                     description="cntk-torch tools: model files and time-series forecasting.")
    sub = parser.add_subparsers(dest="command")
    for module in (info, convert, forecast):
        module.add_parsers(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run one command; returns the exit status (2: usage, 1: an error reading or writing files)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except (ValueError, NotImplementedError, OSError) as err:
        print("error: %s" % err, file=sys.stderr)
        return 1
