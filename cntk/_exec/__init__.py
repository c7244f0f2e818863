"""Execution: compiling a graph into a plan of torch kernels and running it."""
from . import runner as _runner
from .._graph.function import set_executor

set_executor(_runner.Executor())
