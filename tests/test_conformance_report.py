"""tools/conformance/report.py: totals against the list of expected failures (no network needed)."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPORT = os.path.join(ROOT, "tools", "conformance", "report.py")


def _run(tmp_path, outcomes, expected):
    work = tmp_path / "run"
    work.mkdir(exist_ok=True)
    (work / "tests.tsv").write_text("".join("%s\t%s\t%s\n" % row for row in outcomes))
    baseline = tmp_path / "baseline.txt"
    baseline.write_text("# reference\n" + "".join("%s\tpassed\t\n" % row[0] for row in outcomes) + "t::skip\tskipped\t\n")
    listing = tmp_path / "expected.txt"
    listing.write_text(expected)
    return subprocess.run([sys.executable, REPORT, str(work), str(listing), str(baseline)],
                          capture_output=True, text=True)


def test_expected_failures_are_counted_and_others_fail_the_run(tmp_path):
    outcomes = [("t::a", "passed", ""), ("t::b[<x>1]", "failed", "boom"), ("t::c", "failed", "bang")]
    ok = _run(tmp_path, outcomes, "t::b[<x>1] | exact id\nt::c* | pattern\n")
    assert ok.returncode == 0
    assert "1/3 passed (33.3%), 2 expected failures, 0 unexpected failures" in ok.stdout
    bad = _run(tmp_path, outcomes, "t::c | only one\nt::gone | stale\n")
    assert bad.returncode == 1
    assert "UNEXPECTED failed: t::b[<x>1]" in bad.stdout and "stale entry" in bad.stdout


def test_a_line_without_a_reason_names_the_file_and_line(tmp_path):
    result = _run(tmp_path, [("t::a", "passed", "")], "# comment\nt::a\n")
    assert result.returncode != 0 and "expected.txt:2" in result.stderr
