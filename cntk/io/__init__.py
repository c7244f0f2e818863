"""Reading and writing data: CNTK Text Format files, minibatch sources, stream descriptions.

This is CNTK 2.7's ``cntk.io`` API:

>>> from cntk.io import MinibatchSource, CTFDeserializer, StreamDef, StreamDefs, INFINITELY_REPEAT
>>> # reader = MinibatchSource(CTFDeserializer('train.ctf', StreamDefs(
>>> #     features=StreamDef(field='x', shape=2000, is_sparse=True),
>>> #     labels=StreamDef(field='y', shape=5))), randomize=True, max_sweeps=INFINITELY_REPEAT)
>>> # mb = reader.next_minibatch(200, input_map={x: reader.streams.features, y: reader.streams.labels})

plus converters from time series (NumPy arrays, pandas DataFrames, CSV files) to CTF files
(`timeseries_to_ctf`, `daily_sequences`, `sliding_windows`, `split_by_time`, `write_ctf`).
"""
from __future__ import annotations

from cntk._io.config import MinibatchSourceConfig
from cntk._io.constants import (DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS, FULL_DATA_SWEEP, INFINITELY_REPEAT,
                                TraceLevel)
from cntk._io.ctf_parser import CTFWarning
from cntk._io.ctf_writer import _is_tensor, sequence_to_cntk_text_format, write_ctf  # noqa: F401
from cntk._io.deserializers import CTFDeserializer, UserDeserializer
from cntk._io.errors import CTFFormatError
from cntk._io.from_data import MinibatchSourceFromData, UserMinibatchSource
from cntk._io.minibatch import MinibatchData
from cntk._io.source import MinibatchSource
from cntk._io.streams import Record, StreamConfiguration, StreamDef, StreamDefs, StreamInformation
from cntk._io.timeseries import daily_sequences, sliding_windows, split_by_time, timeseries_to_ctf
from cntk._io.unsupported import (Base64ImageDeserializer, CBFDeserializer, HTKFeatureDeserializer,
                                  HTKMLFDeserializer, ImageDeserializer, LatticeDeserializer)
from . import transforms  # noqa: F401

__all__ = [
    "INFINITELY_REPEAT", "FULL_DATA_SWEEP", "DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS", "TraceLevel",
    "MinibatchSource", "MinibatchSourceConfig", "MinibatchData", "MinibatchSourceFromData", "UserMinibatchSource", "UserDeserializer",
    "CTFDeserializer", "StreamDef", "StreamDefs", "StreamConfiguration", "StreamInformation", "Record",
    "sequence_to_cntk_text_format", "write_ctf", "CTFFormatError", "CTFWarning",
    "timeseries_to_ctf", "daily_sequences", "sliding_windows", "split_by_time",
    "CBFDeserializer", "ImageDeserializer", "Base64ImageDeserializer", "HTKFeatureDeserializer", "HTKMLFDeserializer",
    "LatticeDeserializer",
]
