"""Private implementation of ``cntk.io``: CTF parsing and writing, deserializers, minibatch sources.

Each module has one job:

* ``constants``    -- sentinels (INFINITELY_REPEAT, FULL_DATA_SWEEP, ...).
* ``errors``       -- the exception raised for malformed input files.
* ``streams``      -- StreamDef, StreamDefs, StreamConfiguration, StreamInformation, Record.
* ``ctf_parser``   -- CNTK Text Format -> flat in-memory arrays (``SequenceStore``).
* ``ctf_writer``   -- sequences -> CNTK Text Format text/files.
* ``store``        -- flat per-stream arrays and vectorised minibatch assembly.
* ``deserializers``-- CTFDeserializer, UserDeserializer.
* ``timeline``     -- sweep order, randomisation, partitioning, sample budgets.
* ``minibatch``    -- MinibatchData.
* ``source``       -- MinibatchSource.
* ``from_data``    -- MinibatchSourceFromData, UserMinibatchSource.
* ``timeseries``   -- NumPy/pandas/CSV time series -> CTF windows.

Nothing here imports the graph or execution packages at module import time.
"""
