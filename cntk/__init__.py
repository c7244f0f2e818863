"""cntk-torch: the Microsoft Cognitive Toolkit (CNTK 2.x) Python API for recurrent networks and
sequence data, running on PyTorch. ``import cntk`` works as it did with CNTK 2.7."""
__version__ = "2.7"

from . import _exec  # registers the execution engine  # noqa: F401
from ._graph.axis import Axis
from ._graph.defaults import (default_options, default_options_for, default_override_or, get_default_override,
                              get_global_option, set_global_option)
from ._graph.function import CloneMethod, Function
from ._graph.initializer import (bilinear, glorot_normal, glorot_uniform, he_normal, he_uniform,
                                 initializer_with_rank, normal, truncated_normal, uniform, xavier)
from ._graph.variable import Constant, FreeDimension, InferredDimension, Parameter, Variable
from ._core.value import Value
from .core import asarray, asvalue  # noqa: F401
from .core import NDArrayView  # noqa: F401
from .ops import *  # noqa: F401,F403
from .ops import sequence
from .ops.functions import BlockFunction, ModelFormat, load_model
from . import axis, core, device, initializer, ops, variables  # noqa: F401
from .device import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
from . import losses, metrics  # noqa: F401
from . import random  # noqa: F401
from .learners import *  # noqa: F401,F403
from . import learners  # noqa: F401
from . import cntk_py, debugging, internal  # noqa: F401
from . import io, train, eval, logging  # noqa: F401
from .train import *  # noqa: F401,F403
from .eval import *  # noqa: F401,F403
from . import layers  # noqa: F401
from ._graph.initializer import SentinelValueForAutoSelectRandomSeed

auto_select = SentinelValueForAutoSelectRandomSeed
DefaultParamInitScale = 1
from ._serialization.torch_module import to_torch  # noqa: F401
