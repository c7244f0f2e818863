"""Constructors of graph nodes for CNTK's ops (the public `cntk.ops` re-exports them)."""
