"""`cntk.train.trainer`: the `Trainer`."""
from cntk._train import Trainer

__all__ = ['Trainer']
