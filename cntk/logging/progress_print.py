"""`cntk.logging.progress_print`: the progress writers."""
from cntk._logging import (ProgressBarWriter, ProgressPrinter, TensorBoardProgressWriter,
                           TrainingSummaryProgressCallback, log_number_of_parameters)

__all__ = ['ProgressPrinter', 'TensorBoardProgressWriter', 'TrainingSummaryProgressCallback', 'ProgressBarWriter',
           'log_number_of_parameters']
