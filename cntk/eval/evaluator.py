"""`cntk.eval.evaluator`: the `Evaluator`."""
from cntk._train import Evaluator

__all__ = ['Evaluator']
