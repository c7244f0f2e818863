"""`cntk.eval`: the `Evaluator` (average a metric over test data)."""
from cntk._train import Evaluator
from . import evaluator  # noqa: F401

__all__ = ['Evaluator']
