"""`cntk.axis`: the Axis class."""
from ._graph.axis import Axis
