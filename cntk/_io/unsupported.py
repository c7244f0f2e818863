"""CNTK readers outside this project's scope (images, binary CNTK format, speech): each name exists
so that programs import, and raises NotImplementedError naming the CNTK API when used."""
from __future__ import annotations

from typing import Any, Callable


def unsupported(api: str, hint: str) -> Callable[..., Any]:
    """A callable standing for the CNTK API ``api`` that raises NotImplementedError with ``hint``."""
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError('%s is not implemented in cntk-torch (%s)' % (api, hint))
    fail.__name__ = api.rsplit('.', 1)[-1]
    fail.__doc__ = '%s: not implemented in cntk-torch (%s).' % (api, hint)
    return fail


_IMAGES = 'image readers are outside this sequence-focused project; read images with torchvision'
_SPEECH = 'HTK speech readers are outside this project'

CBFDeserializer = unsupported('cntk.io.CBFDeserializer', 'convert the data to CTF, e.g. with CNTK 2.7')
ImageDeserializer = unsupported('cntk.io.ImageDeserializer', _IMAGES)
Base64ImageDeserializer = unsupported('cntk.io.Base64ImageDeserializer', _IMAGES)
HTKFeatureDeserializer = unsupported('cntk.io.HTKFeatureDeserializer', _SPEECH)
HTKMLFDeserializer = unsupported('cntk.io.HTKMLFDeserializer', _SPEECH)
LatticeDeserializer = unsupported('cntk.io.LatticeDeserializer', _SPEECH)
crop = unsupported('cntk.io.transforms.crop', _IMAGES)
scale = unsupported('cntk.io.transforms.scale', _IMAGES)
mean = unsupported('cntk.io.transforms.mean', _IMAGES)
color = unsupported('cntk.io.transforms.color', _IMAGES)
