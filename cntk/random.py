"""`cntk.random`: tensors of random draws (uniform, normal, Gumbel, Bernoulli), new at every
evaluation, from CNTK's seeded per-op streams."""
from ._ops.random import (auto_select, bernoulli, bernoulli_like, gumbel, gumbel_like, normal, normal_like,  # noqa: F401
                          uniform, uniform_like)
