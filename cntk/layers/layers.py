"""`cntk.layers.layers`: feed-forward layers."""
from .._layers.core_layers import Activation, Dense, Dropout, Embedding, Label
from .._layers.convolution import (AveragePooling, Convolution, Convolution1D, Convolution2D, Convolution3D,
                                  ConvolutionTranspose, ConvolutionTranspose1D, ConvolutionTranspose2D,
                                  ConvolutionTranspose3D, GlobalAveragePooling, GlobalMaxPooling, MaxPooling, MaxUnpooling,
                                  SequentialConvolution)
from .._layers.normalization import BatchNormalization, LayerNormalization
from .._layers.recurrence import Delay

__all__ = ["Activation", "AveragePooling", "BatchNormalization", "Convolution", "Convolution1D", "Convolution2D",
           "Convolution3D", "ConvolutionTranspose", "ConvolutionTranspose1D", "ConvolutionTranspose2D",
           "ConvolutionTranspose3D", "Dense", "Delay", "Dropout", "Embedding", "GlobalAveragePooling", "GlobalMaxPooling",
           "Label", "LayerNormalization", "MaxPooling", "MaxUnpooling", "SequentialConvolution"]
