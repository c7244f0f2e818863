"""`cntk.layers`: CNTK's layer library (factories returning composable Functions).

Every factory returns a Function whose input is still a placeholder; apply it to a variable
(``Dense(10)(x)``) or compose layers (``Sequential([...])``, ``f >> g``). Calling the same layer
object twice shares its parameters.

Recipes::

    # stacked recurrent layers with dropout between them
    model = Sequential([Embedding(150),
                        For(range(2), lambda: [Recurrence(LSTM(300)), Dropout(0.2)]),
                        Dense(num_labels)])

    # bidirectional recurrence: a forward and a backward pass, spliced
    bi = Sequential([(Recurrence(LSTM(150)), Recurrence(LSTM(150), go_backwards=True)), C.splice])
"""
from .._graph.decorator import block_function as BlockFunction
from .._graph.defaults import default_options, default_options_for, default_override_or, get_default_override
from .._layers.attention import AttentionModel
from .._layers.cells import ForwardDeclaration, GRU, LSTM, RNNStep, RNNUnit, Stabilizer
from .._layers.composition import For, ResNetBlock, Sequential, SequentialClique
from .._layers.core_layers import Activation, Dense, Dropout, Embedding, Label, identity
from .._layers.convolution import (AveragePooling, Convolution, Convolution1D, Convolution2D, Convolution3D,
                                  ConvolutionTranspose, ConvolutionTranspose1D, ConvolutionTranspose2D,
                                  ConvolutionTranspose3D, GlobalAveragePooling, GlobalMaxPooling, MaxPooling, MaxUnpooling,
                                  SequentialConvolution)
from .._layers.normalization import BatchNormalization, LayerNormalization
from .._layers.recurrence import Delay, Fold, PastValueWindow, Recurrence, RecurrenceFrom, UnfoldFrom
from .._layers.typing import ParameterTensor, Sequence, SequenceOver, Signature, SparseTensor, Tensor, tensor
from . import blocks, higher_order_layers, layers, models, sequence, typing  # noqa: F401
