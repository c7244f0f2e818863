"""python -m cntk convert-csv / train / predict, run as subprocesses on a small CSV; the README's three commands."""
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cli(*args, cwd):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "cntk", *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=300)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    steps = np.arange(120)
    pd.DataFrame({"time": pd.date_range("2024-01-01", periods=120, freq="h"),
                  "load": np.round(10 + 5 * np.sin(steps * 2 * np.pi / 24), 3)}).to_csv(d / "my.csv", index=False)
    return d


def readme_commands():
    """The commands of the README section "Your own CSV in three commands" (after `pip install`)."""
    text = open(os.path.join(ROOT, "README.md")).read()
    section = text.split("## Your own CSV in three commands", 1)[1].split("\n## ", 1)[0]
    return [line.strip()[len("python -m cntk "):] for line in section.splitlines()
            if line.strip().startswith("python -m cntk ")]


def test_readme_three_commands_train_and_predict(folder):
    commands = readme_commands()
    assert [c.split()[0] for c in commands] == ["train", "predict"]
    train = cli(*commands[0].split(), "--epochs", "1", "--hidden", "4", cwd=folder)   # fast: a tiny model
    assert train.returncode == 0, train.stderr
    assert "loss" in train.stdout and re.search(r"test part \(\d+ windows\): MAE", train.stdout)
    assert (folder / "forecast.model").exists() and (folder / "forecast.model.json").exists()
    predict = cli(*commands[1].split(), cwd=folder)
    assert predict.returncode == 0, predict.stderr
    out = pd.read_csv(folder / "predictions.csv")
    assert list(out.columns) == ["row", "actual", "predicted", "error"] and len(out) == 120 - 14
    assert np.isfinite(out.predicted).all()
    assert "wrote predictions.png" in predict.stdout or "no plot: matplotlib" in predict.stdout


def test_convert_csv_windows_and_days(folder):
    r = cli("convert-csv", "my.csv", "-c", "load", "--window", "6", "--horizon", "2", "-o", "out/load", cwd=folder)
    assert r.returncode == 0, r.stderr
    assert "wrote out/load.train.ctf (91 sequences)" in r.stdout      # 113 windows: 91 / 11 / 11 after rounding
    first = (folder / "out/load.train.ctf").read_text().splitlines()[0]
    assert first.startswith("0\t|features ") and "|target " in first
    r = cli("convert-csv", "my.csv", "--group-by", "D", "--target", "max", "--normalize", "maxabs",
            "--val", "0.2", "--test", "0.2", "-o", "out/day", cwd=folder)
    assert r.returncode == 0, r.stderr
    assert "out/day.train.ctf (3 sequences)" in r.stdout and (folder / "out/day.normalizer.json").exists()


def test_errors_name_the_problem(folder):
    r = cli("convert-csv", "my.csv", "-c", "nope", "--window", "3", "-o", "x", cwd=folder)
    assert r.returncode == 1 and "my.csv: no column 'nope'" in r.stderr
    r = cli("convert-csv", "my.csv", "-o", "x", cwd=folder)
    assert r.returncode == 1 and "exactly one of --window and --group-by" in r.stderr
    r = cli("predict", "missing.model", "my.csv", cwd=folder)
    assert r.returncode == 1 and "missing.model.json: missing" in r.stderr
    assert cli(cwd=folder).returncode == 2
