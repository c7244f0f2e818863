"""`cntk.initializer`: parameter initialisers with CNTK's fan rules."""
from ._graph.initializer import (DefaultParamInitScale, SentinelValueForAutoSelectRandomSeed,
                                 SentinelValueForInferParamInitRank, bilinear, glorot_normal, glorot_uniform,
                                 he_normal, he_uniform, initializer_with_rank, normal, truncated_normal, uniform,
                                 xavier)
