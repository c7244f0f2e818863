"""`cntk.layers.blocks`: recurrent cells and basic blocks."""
from .._graph.decorator import block_function as BlockFunction
from .._layers.cells import ForwardDeclaration, GRU, LSTM, RNNStep, RNNUnit, Stabilizer
from .._layers.core_layers import identity

__all__ = ["BlockFunction", "ForwardDeclaration", "GRU", "LSTM", "RNNStep", "RNNUnit", "Stabilizer", "identity"]
