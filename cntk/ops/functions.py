"""`cntk.ops.functions`: the Function class and its helpers."""
import enum

from .._graph.function import CloneMethod, Function
from .._graph.user_function import UserFunction


class ModelFormat(enum.Enum):
    """File formats of `Function.save` / `load_model`."""

    CNTKv2 = 0
    ONNX = 1


def load_model(model, device=None, format=ModelFormat.CNTKv2):
    """Load a model saved by CNTK (see `Function.load`)."""
    return Function.load(model, device, format)


def BlockFunction(op_name: str, name: str):
    """Decorator: turn a Python function of variables into a block named ``name`` with op name ``op_name``."""
    from .._graph.decorator import block_function
    return block_function(op_name, name)
