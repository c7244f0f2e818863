"""`cntk.metrics`: evaluation criteria, per sample."""
from .._ops.losses import classification_error, edit_distance_error, ndcg_at_1
