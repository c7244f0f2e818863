"""Implementation of `cntk.layers` (the public modules under cntk/layers re-export from here)."""
