"""Private implementation of ``cntk.io``: CTF parsing and writing, deserializers, minibatch sources.

Each module has one job:

* ``constants``    -- sentinels (INFINITELY_REPEAT, FULL_DATA_SWEEP, ...).
* ``errors``       -- the exception and warning raised for malformed input files.
* ``streams``      -- StreamDef, StreamDefs, StreamConfiguration, StreamInformation, Record.
* ``ctf_parser``   -- CNTK Text Format files -> chunks of sequences, read in one streaming pass.
* ``ctf_rows``     -- rows of a block of CTF lines, grouped into sequences; error budget.
* ``ctf_fast``     -- the vectorised CTF parser (NumPy over whole blocks of well-formed lines).
* ``ctf_exact``    -- the exact per-line CTF parser (unusual lines, precise error messages).
* ``numparse``     -- vectorised decimal parsing in byte buffers (SIMD within a register).
* ``heap``         -- keeps glibc from returning the parser's temporary memory to the system.
* ``ctf_writer``   -- sequences -> CNTK Text Format text/files.
* ``store``        -- per-stream arrays chunk by chunk (memory bounded by a window), minibatch assembly.
* ``deserializers``-- CTFDeserializer, UserDeserializer.
* ``timeline``     -- sweep order, randomisation, partitioning, sample budgets.
* ``minibatch``    -- MinibatchData.
* ``config``       -- MinibatchSourceConfig (CNTK's low-level reader settings), to_dictionary.
* ``source``       -- MinibatchSource.
* ``from_data``    -- MinibatchSourceFromData, UserMinibatchSource.
* ``timeseries``   -- NumPy/pandas/CSV time series -> CTF windows.

Nothing here imports the graph or execution packages at module import time.
"""
