"""`cntk.logging.graph`: searching a graph and drawing it.

`plot` returns the graph as Graphviz DOT source and writes it to a ``.dot``/``.gv`` file, or renders a
``.png``/``.pdf``/``.svg`` file when Graphviz is installed (``pip install "cntk-torch[graph]"`` and the
Graphviz programs).
"""
from cntk._logging.graph_search import (depth_first_search, find_all_with_name, find_by_name, find_by_uid,
                                        get_node_outputs, graph_to_dot, plot)

__all__ = ['depth_first_search', 'find_all_with_name', 'find_by_name', 'find_by_uid', 'get_node_outputs',
           'graph_to_dot', 'plot']
