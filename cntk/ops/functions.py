"""`cntk.ops.functions`: the Function class and its helpers."""
import enum

from .._graph.function import CloneMethod, Function


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


class UserFunction:
    """Python user-defined ops with their own forward/backward (not implemented)."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError("cntk.ops.functions.UserFunction (Python user-defined functions) is not implemented "
                                  "in cntk-torch")
