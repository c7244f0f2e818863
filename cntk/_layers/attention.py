"""AttentionModel: additive attention of a decoder state over an encoder sequence."""
from __future__ import annotations

from .._graph.defaults import default_override_or, get_default_override
from .._graph.initializer import glorot_uniform
from .cells import Stabilizer
from .core_layers import Dense, Label, identity
from ._util import make_composite


def AttentionModel(attention_dim, attention_span=None, attention_axis=None, init=default_override_or(glorot_uniform()),
                   go_backwards=default_override_or(False), enable_self_stabilization=default_override_or(True),
                   name=''):
    """Additive attention, called ``att(encoder_hidden_state, decoder_hidden_state)``.

    The encoder sequence (its own sequence axis) is unpacked and, at every decoder step, scored by
    ``Dense(1)(tanh(Dense(encoder) + Dense(decoder)))`` (bias-free projections of size
    ``attention_dim``); the scores are soft-maxed over the valid encoder steps (output labelled
    ``attention_weights``) and the weighted sum of encoder states is returned, shape = encoder dim.
    """
    init = get_default_override(AttentionModel, init=init)
    go_backwards = get_default_override(AttentionModel, go_backwards=go_backwards)
    stab = get_default_override(AttentionModel, enable_self_stabilization=enable_self_stabilization)
    if attention_span is not None or attention_axis is not None:
        raise NotImplementedError("AttentionModel: the deprecated windowed mode (attention_span/attention_axis) "
                                  "is not supported")
    proj_enc = Stabilizer(enable_self_stabilization=stab) >> Dense(attention_dim, init=init, input_rank=1, bias=False)
    proj_dec = Stabilizer(enable_self_stabilization=stab) >> Dense(attention_dim, init=init, input_rank=1, bias=False)
    proj_tanh = Stabilizer(enable_self_stabilization=stab) >> Dense(1, init=init, input_rank=1, bias=False)
    final_stab = Stabilizer(enable_self_stabilization=stab)

    def attention(encoder_hidden_state, decoder_hidden_state):
        from ..ops import constant, element_select, reduce_sum, reshape, softmax, tanh
        from ..ops.sequence import broadcast_as, unpack
        unpacked, valid = unpack(encoder_hidden_state, padding_value=0).outputs
        projected_enc = broadcast_as(proj_enc(unpacked), decoder_hidden_state)
        valid_mask = broadcast_as(reshape(valid, (1,), 1, 1), decoder_hidden_state)
        projected_dec = proj_dec(decoder_hidden_state)
        logits = proj_tanh(tanh(projected_dec + projected_enc))
        logits = element_select(valid_mask, logits, constant(-1e+30))
        weights = softmax(logits, axis=0)
        weights = Label('attention_weights')(weights)
        context = reduce_sum(weights * broadcast_as(unpacked, weights), axis=0)
        context = reshape(context, (), 0, 1)
        return context if final_stab is identity else final_stab(context)
    f = make_composite(attention)
    if name:
        f._rename(name)
    return f
