"""Progress writers and logging helpers (public face: `cntk.logging`)."""
from .other_writers import ProgressBarWriter, TensorBoardProgressWriter, TrainingSummaryProgressCallback
from .printer import ProgressPrinter
from .trace import TraceLevel, get_trace_level, log_number_of_parameters, set_trace_level
from .writer import ProgressWriter

__all__ = ['ProgressWriter', 'ProgressPrinter', 'TensorBoardProgressWriter', 'TrainingSummaryProgressCallback',
           'ProgressBarWriter', 'TraceLevel', 'set_trace_level', 'get_trace_level', 'log_number_of_parameters']
