"""`cntk.losses`: training criteria, per sample."""
from .._ops.losses import (binary_cross_entropy, cosine_distance, cosine_distance_with_negative_samples,
                           cross_entropy_with_softmax, fmeasure, hierarchical_softmax_layer, lambda_rank, nce_loss,
                           squared_error, weighted_binary_cross_entropy)
