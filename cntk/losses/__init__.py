"""`cntk.losses`: training criteria."""
from .._ops.composite_losses import fmeasure, hierarchical_softmax_layer, nce_loss  # noqa: F401
from .._ops.losses import (binary_cross_entropy, cosine_distance, cosine_distance_with_negative_samples,  # noqa: F401
                           cross_entropy_with_softmax, lambda_rank, lattice_sequence_with_softmax, squared_error,
                           weighted_binary_cross_entropy)
