"""``python -m cntk info MODEL``: a model file's summary."""
from __future__ import annotations

import argparse
from typing import Any


def add_parsers(sub: Any) -> None:
    """Register ``info``."""
    p = sub.add_parser("info", help="print a model's inputs, outputs, parameters and layers")
    p.add_argument("model", help="a CNTK v2 model file (or a trainer checkpoint .ckp)")
    p.add_argument("--depth", type=int, default=2, help="levels of nested layers to show (default 2)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the summary of ``args.model``."""
    from .._serialization.info import info
    print(info(args.model, args.depth))
    return 0
