"""`cntk.metrics`: evaluation criteria."""
from .._ops.losses import classification_error, edit_distance_error, ndcg_at_1  # noqa: F401
