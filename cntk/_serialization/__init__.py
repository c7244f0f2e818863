"""Model files: CNTK's v2 format (read and write), trainer checkpoints, ONNX, and torch export.

Modules, one job each:

* `wire` – the protobuf wire format (bounds-checked reading, writing);
* `values` – CNTK's Dictionary/Vector/NDShape/Axis/NDArrayView messages as plain Python values;
* `opcodes` – CNTK's op codes, and how to describe an unknown one;
* `import_ops` / `rebuild` – from a decoded model to a graph of this package's Functions;
* `export_ops` / `writer` – from a graph back to CNTK's records (lowering ops CNTK composes);
* `model_io` – `Function.load` / `save` / `restore` and file-format sniffing;
* `checkpoint` – CNTK trainer checkpoints (``.ckp``) and continuing a learner from them;
* `info` – ``python -m cntk info MODEL``;
* `torch_module` – `cntk.to_torch`;
* `onnx_export` / `onnx_io` – ``ModelFormat.ONNX`` (optional ``onnx`` extra).
"""
