"""Stream descriptions: what a reader should produce and what it reports it produces."""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Tuple, Union

import numpy as np

ShapeLike = Union[int, Iterable[int], None]


def sample_shape(shape: ShapeLike) -> Tuple[int, ...]:
    """Normalise an int / tuple shape to a tuple of ints."""
    if shape is None:
        return ()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


class Record(dict):
    """A dict whose entries are also attributes (``rec.features`` == ``rec['features']``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError("no entry named %r (entries: %s)" % (name, ", ".join(self.keys()) or "none"))

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __dir__(self):  # pragma: no cover - convenience for interactive use
        return list(self.keys()) + list(super().__dir__())


class StreamDef(Record):
    """Describe one stream a deserializer should read.

    Args:
        field: the name the stream carries in the file (for CTF, the ``|name`` tag).
        shape: the dimension of one sample (an int, or a tuple for tensors).
        is_sparse: True when the file stores ``index:value`` entries (one-hot words, labels).
        transforms, context, scp, mlf, broadcast: accepted for signature compatibility with
            the image/speech deserializers; the CTF reader ignores them.
        defines_mb_size: when True, this stream's sequence lengths are what a minibatch
            size counts (by default the longest stream of each sequence counts).
        max_sequence_length: longest sequence accepted (longer ones are an error).
    """

    def __init__(self, field: Optional[str] = None, shape: ShapeLike = None, is_sparse: bool = False,
                 transforms: Any = None, context: Any = None, scp: Any = None, mlf: Any = None,
                 broadcast: Any = None, defines_mb_size: bool = False, max_sequence_length: int = 65535) -> None:
        super().__init__()
        if shape is not None and any(d <= 0 for d in sample_shape(shape)):
            raise ValueError("StreamDef: shape must be positive, got %r" % (shape,))
        self["field"] = field
        self["shape"] = shape
        self["is_sparse"] = bool(is_sparse)
        self["transforms"] = transforms
        self["context"] = context
        self["scp"] = scp
        self["mlf"] = mlf
        self["broadcast"] = broadcast
        self["defines_mb_size"] = bool(defines_mb_size)
        self["max_sequence_length"] = int(max_sequence_length)


class StreamDefs(Record):
    """A set of named streams: ``StreamDefs(features=StreamDef(...), labels=StreamDef(...))``.

    The keyword names are the names the reader's ``streams`` record will use.
    """

    def __init__(self, **streams: StreamDef) -> None:
        super().__init__()
        for name, sd in streams.items():
            if not isinstance(sd, dict):
                raise TypeError("StreamDefs: %s must be a StreamDef, got %r" % (name, type(sd).__name__))
            self[name] = sd


class StreamConfiguration:
    """Legacy stream description (old ``text_format_minibatch_source`` API).

    Args:
        name: the stream's name as the reader reports it.
        dim: the sample dimension.
        is_sparse: True for ``index:value`` data.
        stream_alias: the name of the stream in the file (defaults to ``name``).
        defines_mb_size: this stream's length defines minibatch sizes.
    """

    def __init__(self, name: str, dim: int, is_sparse: bool = False, stream_alias: str = "",
                 defines_mb_size: bool = False) -> None:
        self.m_stream_name = name
        self.m_dim = int(dim)
        self.m_is_sparse = bool(is_sparse)
        self.m_stream_alias = stream_alias
        self.m_defines_mb_size = bool(defines_mb_size)

    name = property(lambda self: self.m_stream_name)
    dim = property(lambda self: self.m_dim)
    is_sparse = property(lambda self: self.m_is_sparse)
    stream_alias = property(lambda self: self.m_stream_alias or self.m_stream_name)
    defines_mb_size = property(lambda self: self.m_defines_mb_size)

    def to_stream_def(self) -> StreamDef:
        """The equivalent `StreamDef` (field = alias or name)."""
        return StreamDef(field=self.stream_alias, shape=self.m_dim, is_sparse=self.m_is_sparse,
                         defines_mb_size=self.m_defines_mb_size)

    def __repr__(self) -> str:
        return "StreamConfiguration(%r, %d, is_sparse=%s)" % (self.m_stream_name, self.m_dim, self.m_is_sparse)


class StreamInformation:
    """What a reader produces for one stream: name, id, storage format, element type and sample shape.

    Instances are the keys of the dict ``next_minibatch`` returns. Both the friendly names
    (``name``, ``shape``, ``is_sparse``, ``dtype``, ``defines_mb_size``) and CNTK's ``m_*``
    attribute names are available.

    Args:
        name: the stream's name.
        stream_id: its index in the reader.
        storage_format: ``'dense'`` or ``'sparse'``.
        dtype: numpy element type (float32 or float64).
        shape: the sample shape.
        defines_mb_size: whether this stream's lengths count towards minibatch sizes.
    """

    DENSE = 0
    SPARSE = 1

    def __init__(self, name: str, stream_id: int, storage_format: str, dtype: Any, shape: ShapeLike,
                 defines_mb_size: bool = False) -> None:
        if storage_format not in ("dense", "sparse"):
            raise ValueError("StreamInformation: storage_format must be 'dense' or 'sparse', got %r" % (storage_format,))
        self.m_name = name
        self.m_id = int(stream_id)
        self.m_storage_format = self.SPARSE if storage_format == "sparse" else self.DENSE
        self._dtype = np.dtype(dtype if dtype is not None else np.float32).type
        self.m_element_type = 2 if self._dtype is np.float64 else (4 if self._dtype is np.float16 else 1)
        self.m_sample_layout = sample_shape(shape)
        self.m_defines_mb_size = bool(defines_mb_size)

    @property
    def name(self) -> str:
        """The stream's name."""
        return self.m_name

    @property
    def shape(self) -> Tuple[int, ...]:
        """The sample shape."""
        return self.m_sample_layout

    @property
    def storage_format(self) -> str:
        """``'dense'`` or ``'sparse'`` (CNTK's attribute)."""
        return 'sparse' if self.m_storage_format == self.SPARSE else 'dense'

    @property
    def sample_shape(self) -> Tuple[int, ...]:
        """The sample shape (CNTK's attribute name)."""
        return self.m_sample_layout

    @property
    def is_sparse(self) -> bool:
        """True for sparse streams."""
        return self.m_storage_format == self.SPARSE

    @property
    def dtype(self) -> Any:
        """The numpy element type."""
        return self._dtype

    @property
    def defines_mb_size(self) -> bool:
        """Whether this stream's lengths count towards minibatch sizes."""
        return self.m_defines_mb_size

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, StreamInformation) and (self.m_name, self.m_id) == (other.m_name, other.m_id)

    def __hash__(self) -> int:
        return hash((self.m_name, self.m_id))

    def __repr__(self) -> str:
        return "%s(%s)" % (self.m_name, list(self.m_sample_layout))


def stream_defs_from(streams: Any) -> Dict[str, StreamDef]:
    """Accept StreamDefs, a dict of StreamDef, or a list of StreamConfiguration."""
    if isinstance(streams, dict):
        out = {}
        for name, sd in streams.items():
            if isinstance(sd, StreamConfiguration):
                sd = sd.to_stream_def()
            if not isinstance(sd, dict):
                raise TypeError("stream %r must be a StreamDef, got %r" % (name, type(sd).__name__))
            out[name] = sd
        return out
    if isinstance(streams, (list, tuple)):
        out = {}
        for sc in streams:
            if not isinstance(sc, StreamConfiguration):
                raise TypeError("expected StreamConfiguration entries, got %r" % (type(sc).__name__,))
            out[sc.name] = sc.to_stream_def()
        return out
    raise TypeError("streams must be StreamDefs (or a dict of StreamDef), got %r" % (type(streams).__name__,))
