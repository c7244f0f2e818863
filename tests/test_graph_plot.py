"""cntk.logging.graph.plot: DOT source, .dot files, and rendering through Graphviz when it is there."""
import re
import sys
import types

import pytest

import cntk as C
from cntk.layers import Dense
from cntk.logging import graph


@pytest.fixture
def model():
    x = C.input_variable(3, name='features')
    return Dense(2, name='dense')(x) + 1


def _edges(dot):
    return set(re.findall(r'^\s*"([^"]+)" -> "([^"]+)"', dot, re.M))


def _node_labels(dot):
    return dict(re.findall(r'^\s*"([^"]+)" \[label="([^"]*)"', dot, re.M))


def test_plot_returns_dot_with_the_nodes_and_edges(model):
    dot = graph.plot(model)
    assert dot.startswith('digraph network_graph {') and dot.rstrip().endswith('}')
    dense = model.root_function.inputs[0].owner
    x = next(a for a in model.arguments if a.name == 'features')
    W, b = dense.W, dense.b
    labels = _node_labels(dot)
    assert labels[dense.uid] == 'Dense\\ndense()'
    assert labels[x.uid] == 'Input\\nfeatures\\n[#](3,)'
    assert labels[W.uid] == 'W\\n(3, 2)' and labels[b.uid] == 'b\\n(2,)'
    assert labels[model.root_function.uid] == '+'
    plus = model.root_function.uid
    assert {(x.uid, dense.uid), (W.uid, dense.uid), (b.uid, dense.uid), (dense.uid, plus),
            (plus, model.output.uid)} <= _edges(dot)
    # each edge carries the variable's type: '#' is the batch axis
    assert '"%s" -> "%s" [label="features\\n[#](3,)"]' % (x.uid, dense.uid) in dot


def test_plot_marks_sequence_axes():
    s = C.sequence.input_variable(2, name='s')
    dot = graph.plot(C.sequence.last(s))
    assert 'Input\\ns\\n[#,*](2,)' in dot


def test_plot_writes_dot_files(model, tmp_path):
    for name in ('net.dot', 'net.gv'):
        path = tmp_path / name
        text = graph.plot(model, str(path))
        assert path.read_text() == text


def test_plot_rejects_unknown_suffixes(model, tmp_path):
    with pytest.raises(ValueError, match=r"\.jpg"):
        graph.plot(model, str(tmp_path / 'net.jpg'))


def test_missing_graphviz_package_says_what_to_install(model, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, 'graphviz', None)          # makes "import graphviz" fail
    with pytest.raises(ImportError, match=r'cntk-torch\[graph\].*\.dot'):
        graph.plot(model, str(tmp_path / 'net.png'))
    assert not (tmp_path / 'net.png').exists()


class _FakeSource:
    def __init__(self, source):
        self.source = source

    def pipe(self, format):
        return ('%s:%s' % (format, self.source)).encode()


def _fake_graphviz():
    module = types.ModuleType('graphviz')
    module.Source = _FakeSource
    module.ExecutableNotFound = type('ExecutableNotFound', (RuntimeError,), {})
    return module


def test_missing_dot_program_says_what_to_install(model, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, 'graphviz', _fake_graphviz())
    monkeypatch.setattr('shutil.which', lambda name: None)
    with pytest.raises(RuntimeError, match=r'"dot" program.*graphviz'):
        graph.plot(model, str(tmp_path / 'net.svg'))


@pytest.mark.parametrize('fmt', ['png', 'pdf', 'svg'])
def test_rendering_goes_through_graphviz(model, tmp_path, monkeypatch, fmt):
    monkeypatch.setitem(sys.modules, 'graphviz', _fake_graphviz())
    monkeypatch.setattr('shutil.which', lambda name: '/usr/bin/' + name)
    path = tmp_path / ('net.' + fmt.upper())
    text = graph.plot(model, str(path))
    assert path.read_bytes() == ('%s:%s' % (fmt, text)).encode()


def test_real_rendering_when_graphviz_is_installed(model, tmp_path):
    pytest.importorskip('graphviz')
    import shutil
    if shutil.which('dot') is None:
        pytest.skip('the Graphviz dot program is not installed')
    path = tmp_path / 'net.svg'
    graph.plot(model, str(path))
    assert '<svg' in path.read_text()


def test_plot_of_a_recurrent_model_shows_the_loop():
    x = C.sequence.input_variable(1)
    r = C.layers.Recurrence(C.layers.LSTM(3))(x)
    dot = graph.plot(r)
    past = graph.depth_first_search(r, lambda n: getattr(n, 'op_name', '') == 'PastValue')
    assert len(past) == 2
    labels = _node_labels(dot)
    assert any(v == 'LSTM' for v in labels.values())
    for p in past:
        assert labels[p.uid] == 'PastValue'
        # the loop: the LSTM block feeds each PastValue, which feeds the block back
        assert any(a == p.uid for a, _ in _edges(dot)) and any(b == p.uid for _, b in _edges(dot))
