"""CNTK trainer checkpoints: the ``.ckp`` file `Trainer.save_checkpoint` writes next to the model.

`read_cntk_checkpoint` turns the file into a plain dict (see its docstring for the layout), and
`learner_state_from_cntk` converts one learner's entry into the dict this package's
`Learner.restore_from_checkpoint` takes, so training continues where CNTK 2.7 stopped.
"""
from __future__ import annotations

from typing import Any, Dict, List

import numpy as np

from .errors import ModelFileError
from .model_io import read_source
from .values import decode_dictionary
from .wire import DecodeError

CHECKPOINT_FORMAT = "cntk-v2-checkpoint"


def read_cntk_checkpoint(checkpoint: Any) -> Dict[str, Any]:
    """Read a CNTK 2.x trainer checkpoint (``model.ckp``; a path or the file's bytes) into a dict::

        {"format": "cntk-v2-checkpoint", "version": 1,
         "learners": [{                          # one per learner, in the trainer's order
             "type": "Learner", "version": 3,
             "sample_count": 240,                # samples of all updates so far
             "minibatch_count": 30, "sweep_count": 0,
             "update_count": 30,                 # CNTK's smoothed_count: updates, Adam's t
             "learning_rate": {"schedule": [(0, 0.02)], "epoch_size": 0, "minibatch_size": 0},
             "noise_injection_seed": 20240601, "master_parameter_updated": True,
             "smoothed_gradients": [ndarray, ...],   # per-parameter state, learner parameter order
         }],
         "distributed_state": {...}, "external_state": {...}}

    ``smoothed_gradients`` are the stored tensors as they are (numpy order); their layout depends on
    the learner (see `learner_state_from_cntk`). Keys of a learner entry that are not listed above
    are kept under ``"other"``."""
    data, source = read_source(checkpoint)
    try:
        raw = decode_dictionary(memoryview(data))
    except DecodeError as err:
        raise ModelFileError("%s is not a valid CNTK checkpoint (truncated or corrupted?): %s" % (source, err)) from None
    if "Learners" not in raw:
        if raw.get("type") == "CompositeFunction":
            raise ModelFileError("%s is a model, not a trainer checkpoint; the learner state is in the '.ckp' file "
                                 "saved next to it" % source)
        raise ModelFileError("%s is not a CNTK trainer checkpoint: it has no 'Learners' entry" % source)
    learners = raw.get("Learners")
    if not isinstance(learners, list):
        raise ModelFileError("%s: 'Learners' is not a list" % source)
    return {"format": CHECKPOINT_FORMAT, "version": int(raw.get("Version", 0) or 0),
            "learners": [_learner_entry(entry, source, k) for k, entry in enumerate(learners)],
            "distributed_state": raw.get("DistributedState") or {},
            "external_state": raw.get("ExternalState") or {}}


_KNOWN = {"type", "version", "sample_count", "minibatchCount", "sweepCount", "smoothed_count", "learnig_rate_schedule",
          "noise_injection_seed", "master_parameter_updated", "smoothed_gradients"}


def _learner_entry(entry: Any, source: str, k: int) -> Dict[str, Any]:
    if not isinstance(entry, dict):
        raise ModelFileError("%s: learner %d is not a dictionary" % (source, k))
    grads = entry.get("smoothed_gradients", [])
    if not isinstance(grads, list) or not all(isinstance(g, np.ndarray) for g in grads):
        raise ModelFileError("%s: learner %d: 'smoothed_gradients' is not a list of tensors" % (source, k))
    sched = entry.get("learnig_rate_schedule") or {}
    pieces = sorted((int(key), float(v)) for key, v in (sched.get("schedule") or {}).items())
    return {"type": entry.get("type", ""), "version": int(entry.get("version", 0) or 0),
            "sample_count": int(entry.get("sample_count", 0) or 0),
            "minibatch_count": int(entry.get("minibatchCount", 0) or 0),
            "sweep_count": int(entry.get("sweepCount", 0) or 0),
            "update_count": int(round(float(entry.get("smoothed_count", 0.0) or 0.0))),
            "learning_rate": {"schedule": pieces, "epoch_size": int(sched.get("epoch_size", 0) or 0),
                              "minibatch_size": int(sched.get("ref_mb_size", 0) or 0)},
            "noise_injection_seed": int(entry.get("noise_injection_seed", 0) or 0),
            "master_parameter_updated": bool(entry.get("master_parameter_updated", False)),
            "smoothed_gradients": [np.array(g) for g in grads],
            "other": {key: v for key, v in entry.items() if key not in _KNOWN}}


# Per-parameter state layouts of CNTK's learners, as (our state names) in the order of the stored blocks.
_LAYOUTS = {"AdamLearner": ("v", "m"), "MomentumSGDLearner": ("v",), "NesterovLearner": ("v",),
            "AdaGradLearner": ("G",), "SGDLearner": ()}


def learner_state_from_cntk(entry: Dict[str, Any], learner: Any) -> Dict[str, Any]:
    """The `Learner.create_checkpoint`-style dict that makes ``learner`` (built like the CNTK learner,
    same parameters in the same order) continue from a learner entry of `read_cntk_checkpoint`.

    Counters and per-parameter state come from CNTK; the learner keeps its own schedules. Adam's
    stored state is the parameter seen as a matrix with two column blocks [variance | momentum];
    momentum SGD, Nesterov and AdaGrad store one tensor shaped like the parameter."""
    kind = type(learner).__name__
    layout = _LAYOUTS.get(kind)
    if layout is None:
        raise NotImplementedError("continuing a %s from a CNTK checkpoint: its state layout is not known "
                                  "(supported: %s)" % (kind, ", ".join(sorted(_LAYOUTS))))
    params = list(learner.parameters)
    grads = entry["smoothed_gradients"]
    if layout and len(grads) != len(params):
        raise ValueError("the CNTK learner state holds %d tensors, the %s has %d parameters"
                         % (len(grads), kind, len(params)))
    state = learner.create_checkpoint()
    for key in [k for k in state if k.startswith("state/")]:
        del state[key]
    state.update({"sample_count": entry["sample_count"], "minibatch_count": entry["minibatch_count"],
                  "sweep_count": entry["sweep_count"], "update_count": entry["update_count"],
                  "lr_sample_offset": 0, "lr_sweep_offset": 0})
    for i, (p, raw) in enumerate(zip(params, grads) if layout else []):
        size = int(np.prod(p.shape)) if p.shape else 1
        if raw.size != size * len(layout):
            raise ValueError("CNTK state of parameter '%s' (%s) has %d values; a %s needs %d (%d block(s) of %s)"
                             % (p.name, p.uid, raw.size, kind, size * len(layout), len(layout), tuple(p.shape)))
        flat = np.ascontiguousarray(raw).reshape(-1)
        state["state/%d" % i] = True
        for b, name in enumerate(layout):
            state["state/%d/%s" % (i, name)] = flat[b * size:(b + 1) * size].reshape(p.shape).astype(p.dtype)
    return state


def restore_learners_from_cntk(checkpoint: Any, learners: List[Any]) -> Dict[str, Any]:
    """Continue ``learners`` (in the trainer's order) from a CNTK ``.ckp`` file; returns the checkpoint dict."""
    ck = read_cntk_checkpoint(checkpoint)
    if len(ck["learners"]) != len(learners):
        raise ValueError("the CNTK checkpoint holds %d learners, %d given" % (len(ck["learners"]), len(learners)))
    for entry, learner in zip(ck["learners"], learners):
        learner.restore_from_checkpoint(learner_state_from_cntk(entry, learner))
    return ck
