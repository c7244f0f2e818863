"""The symbolic graph: axes, variables and functions (no execution code here)."""
