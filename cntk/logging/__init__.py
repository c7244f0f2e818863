"""`cntk.logging`: progress writers (`ProgressPrinter`, TensorBoard), trace levels and graph search."""
from cntk._logging import (ProgressBarWriter, ProgressPrinter, ProgressWriter, TensorBoardProgressWriter, TraceLevel,
                           TrainingSummaryProgressCallback, get_trace_level, log_number_of_parameters,
                           set_trace_level)
from cntk._logging.graph_search import (depth_first_search, find_all_with_name, find_by_name, find_by_uid,
                                        get_node_outputs, plot)
from . import graph, progress_print  # noqa: F401

__all__ = ['ProgressWriter', 'ProgressPrinter', 'TensorBoardProgressWriter', 'TrainingSummaryProgressCallback',
           'ProgressBarWriter', 'TraceLevel', 'set_trace_level', 'get_trace_level', 'log_number_of_parameters',
           'depth_first_search', 'find_all_with_name', 'find_by_name', 'find_by_uid', 'get_node_outputs', 'plot']
