"""Totals of a conformance run against the committed list of expected failures.

Usage: report.py WORKDIR EXPECTED_FAILURES [BASELINE_TESTS]

WORKDIR is the run folder the runner names on its last lines (it holds `tests.tsv`).
EXPECTED_FAILURES lists, one a line, a test node id (matched exactly) or an fnmatch pattern of node ids, then
` | ` and the reason it is expected to fail. Only tests that pass under CNTK 2.7 itself
(BASELINE_TESTS, default: baseline_tests.txt beside this script) are counted.

Prints passed / expected failures / unexpected failures with the pass rate, every unexpected
failure, and every list entry that matched no failing test (so the list cannot go stale).
Exit status 1 when a test fails that the list does not name, else 0.
"""
from __future__ import annotations

import fnmatch
import os
import sys
from typing import Dict, List, Tuple

PASSING = {"passed"}


def read_outcomes(path: str) -> Dict[str, Tuple[str, str]]:
    """Node id -> (outcome, reason) from a tab-separated outcome file (`#` lines are comments)."""
    outcomes: Dict[str, Tuple[str, str]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            outcomes[fields[0]] = (fields[1], fields[2] if len(fields) > 2 else "")
    return outcomes


def read_expected(path: str) -> List[Tuple[str, str]]:
    """(pattern, reason) pairs; a line without a reason is an error naming the file and line."""
    entries: List[Tuple[str, str]] = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            pattern, sep, reason = text.partition(" | ")
            if not sep or not reason.strip():
                raise SystemExit(f"{path}:{number}: expected 'NODE_ID_OR_PATTERN | reason', got {text!r}")
            entries.append((pattern.strip(), reason.strip()))
    return entries


def main(argv: List[str]) -> int:
    """Print the totals; see the module docstring for the arguments."""
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    workdir, expected_path = argv[1], argv[2]
    baseline_path = argv[3] if len(argv) == 4 else os.path.join(os.path.dirname(__file__), "baseline_tests.txt")
    baseline = read_outcomes(baseline_path)
    ours = read_outcomes(os.path.join(workdir, "tests.tsv"))
    expected = read_expected(expected_path)
    in_scope = sorted(node for node, (outcome, _) in baseline.items() if outcome in PASSING)

    passed, expected_failures, unexpected = 0, 0, []
    used = set()
    for node in in_scope:
        outcome, reason = ours.get(node, ("not run", ""))
        if outcome in PASSING:
            passed += 1
            continue
        match = next((p for p, _ in expected if node == p or fnmatch.fnmatchcase(node, p)), None)
        if match is None:
            unexpected.append((node, outcome, reason))
        else:
            expected_failures += 1
            used.add(match)

    total = len(in_scope)
    print(f"conformance: {passed}/{total} passed ({100.0 * passed / total:.1f}%), "
          f"{expected_failures} expected failures, {len(unexpected)} unexpected failures")
    for node, outcome, reason in unexpected:
        print(f"  UNEXPECTED {outcome}: {node}  {reason[:160]}")
    for pattern, reason in expected:
        if pattern not in used:
            print(f"  stale entry (nothing fails that it names): {pattern}  ({reason})")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
