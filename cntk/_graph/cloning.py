"""Copying graphs (`Function.clone`) and rebinding inputs in place (`replace_placeholders`)."""
from __future__ import annotations

from typing import Dict

from . import traversal
from .variable import Constant, Parameter, Variable, new_uid


def clone_graph(root, method, substitutions: Dict[Variable, Variable]):
    """Copy every function reachable from ``root`` (block internals included).

    Leaves: substituted variables are replaced; parameters are copied (clone), kept (share) or
    turned into constants (freeze); constants are copied (clone, freeze) or kept (share); inputs
    and placeholders that are not substituted are copied (new uids, same types and names), as CNTK does.
    """
    from .function import Function, as_variable, infer_graph
    for k, v in substitutions.items():
        if k is None or v is None:
            raise AttributeError("clone: a substitution names None (%r -> %r); look-ups such as find_by_name "
                                 "return None when nothing matches" % (k, v))
        if not isinstance(k, (Variable, Function)) or not isinstance(v, (Variable, Function)):
            raise TypeError("clone: substitutions map Variables or Functions to Variables or Functions, got %r -> %r"
                            % (k, v))
    subs = {as_variable(k): as_variable(v) for k, v in substitutions.items()}
    replaced_root = next((v for k, v in subs.items() if len(root._outputs) == 1 and k is root._outputs[0]), None)
    if replaced_root is not None and replaced_root.owner is not None:
        return replaced_root.owner  # the whole graph is substituted: the clone is the replacement itself
    fns = traversal.reachable_functions([root], into_blocks=True)
    leaf_map: Dict[int, Variable] = {}
    for k, v in subs.items():
        leaf_map[id(k)] = v
    fn_map: dict = {}

    def map_leaf(v: Variable) -> Variable:
        if id(v) in leaf_map:
            return leaf_map[id(v)]
        new = v
        if v.is_parameter and method.value == "clone":
            new = Parameter(v._shape, init=v._tensor.detach().cpu().numpy() if v._tensor is not None else v._init,
                            dtype=v._dtype, name=v.name)
        elif (v.is_parameter and method.value == "freeze") or (v.is_constant and method.value in ("clone", "freeze")):
            new = Constant(v.value, dtype=v.dtype, name=v.name)
        elif v.is_placeholder or v.is_input:  # unless substituted, CNTK's clone has inputs of its own
            new = Variable.__new__(Variable)
            new.__dict__.update(v.__dict__)
            new._uid = new_uid(v._kind.name)
        leaf_map[id(v)] = new
        return new

    # Create shells first (so cycles through delays resolve), then wire inputs.
    for fn in fns:
        shell = Function.__new__(Function)
        shell.__dict__.update(fn.__dict__)
        shell.__dict__.pop("_generator", None)  # a clone restarts its random stream from the seed
        shell._uid = new_uid("Block" if fn.is_block else fn.op_name.replace("::", ""))
        shell._attributes = dict(fn._attributes)
        if "_custom_attributes" in fn.__dict__:
            shell.__dict__["_custom_attributes"] = dict(fn.__dict__["_custom_attributes"])
        shell._attributes.pop("new_axis", None)
        shell._outputs = []
        for k, out in enumerate(fn._outputs):
            o = Variable.__new__(Variable)
            o.__dict__.update(out.__dict__)
            o._uid = "%s_Output_%d" % (shell._uid, k)
            o._owner = shell
            shell._outputs.append(o)
        fn_map[id(fn)] = shell

    def map_var(v: Variable) -> Variable:
        if id(v) in leaf_map and v.owner is None:
            return leaf_map[id(v)]
        if v.owner is not None and id(v.owner) in fn_map:
            if id(v) in leaf_map:
                return leaf_map[id(v)]
            return fn_map[id(v.owner)]._outputs[v._output_index]
        return map_leaf(v)

    for fn in fns:
        shell = fn_map[id(fn)]
        shell._inputs = [map_var(v) for v in fn._inputs]
        if fn.is_block:
            shell._block_root = fn_map[id(fn._block_root)]
            shell._block_mapping = [(map_leaf(inner), map_var(outer)) for inner, outer in fn._block_mapping]
        if fn._arg_order is not None:
            shell._arg_order = [map_var(v) for v in fn._arg_order]
    new_root = fn_map[id(root)]
    infer_graph([new_root])
    return new_root


def replace_inputs_in_place(root, subs: Dict[Variable, Variable]) -> None:
    """Rewire every reference to a key of ``subs`` inside the graph of ``root`` to its value."""
    from .function import infer_graph
    fns = traversal.reachable_functions([root], into_blocks=True)
    by_id = {id(k): v for k, v in subs.items()}
    for fn in fns:
        fn._inputs = [by_id.get(id(v), v) for v in fn._inputs]
        if fn.is_block:
            fn._block_mapping = [(inner, by_id.get(id(outer), outer)) for inner, outer in fn._block_mapping]
        if fn._arg_order is not None:
            fn._arg_order = [by_id.get(id(v), v) for v in fn._arg_order]  # a typed input keeps its position
    infer_graph([root] + [v for v in subs.values()])
