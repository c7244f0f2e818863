"""Data containers at the API boundary (Value, NDArrayView)."""
