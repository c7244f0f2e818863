"""`cntk.default_options`: scoped overrides of layer and op defaults."""
from ._graph.defaults import (default_options, default_options_for, default_override_or, get_default_override,
                              get_global_option, is_default_override, set_global_option)
