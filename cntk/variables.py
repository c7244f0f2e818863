"""`cntk.variables`: Variable, Parameter, Constant and Record."""
from typing import Any

from ._graph.variable import Constant, Parameter, Variable, VariableKind


class Record:
    """An immutable bag of named attributes (used for stream definitions and results)."""

    def __init__(self, **args_dict: Any) -> None:
        self.__dict__.update(args_dict)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("Record is immutable; use updated_with(**kwargs)")

    def updated_with(self, **kwargs: Any) -> "Record":
        """A copy with some attributes replaced or added."""
        d = dict(self.__dict__)
        d.update(kwargs)
        return Record(**d)

    def keys(self):
        """The attribute names."""
        return self.__dict__.keys()

    def items(self):
        """(name, value) pairs."""
        return self.__dict__.items()

    def __getitem__(self, key: str) -> Any:
        return self.__dict__[key]

    def __iter__(self):
        return iter(self.__dict__)

    def __repr__(self) -> str:
        return "Record(%s)" % ", ".join("%s=%r" % kv for kv in self.__dict__.items())
