"""`cntk.logging.graph`: searching a graph and drawing it as DOT text."""
from cntk._logging.graph_search import (depth_first_search, find_all_with_name, find_by_name, find_by_uid,
                                        get_node_outputs, plot)

__all__ = ['depth_first_search', 'find_all_with_name', 'find_by_name', 'find_by_uid', 'get_node_outputs', 'plot']
