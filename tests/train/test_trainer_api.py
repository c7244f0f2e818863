"""Trainer, Evaluator and ProgressPrinter behaviour beyond the golden scenarios: errors on bad
input, the outputs form of train_minibatch, files written by the printer, writers shared."""
import math
import os

import numpy as np
import pytest

import cntk as C


def regression(seed=0):
    x = C.input_variable(2, name='x')
    y = C.input_variable(1, name='y')
    z = C.layers.Dense(1, name='out')(x)
    rng = np.random.RandomState(seed)
    for p in z.parameters:
        p.value = rng.uniform(-0.5, 0.5, p.shape).astype(np.float32)
    return x, y, z, C.squared_error(z, y)


def batch(n=4, seed=1):
    rng = np.random.RandomState(seed)
    return rng.randn(n, 2).astype(np.float32), rng.randn(n, 1).astype(np.float32)


def test_missing_input_names_the_argument():
    x, y, z, loss = regression()
    trainer = C.Trainer(z, loss, [C.sgd(z.parameters, 0.1)])
    X, _ = batch()
    with pytest.raises(ValueError, match=r"no data for 'y' \(shape \(1,\), batch\).*'x'"):
        trainer.train_minibatch({x: X})


def test_learner_with_foreign_parameter_is_rejected():
    x, y, z, loss = regression()
    stray = C.parameter((3, 3), name='stray')
    with pytest.raises(ValueError, match="'stray'.*not part of the model"):
        C.Trainer(z, loss, [C.sgd(list(z.parameters) + [stray], 0.1)])


def test_parameter_in_two_learners_is_rejected():
    x, y, z, loss = regression()
    with pytest.raises(ValueError, match='one learner only'):
        C.Trainer(z, loss, [C.sgd(z.parameters, 0.1), C.sgd(z.parameters[:1], 0.1)])


def test_uncovered_parameters_get_a_note(capsys):
    x, y, z, loss = regression()
    C.Trainer(z, loss, [C.sgd(z.parameters[:1], 0.1)])
    assert '1 of the model parameters are not covered' in capsys.readouterr().err


def test_criterion_shape_mismatch_is_reported():
    x = C.input_variable(2)
    y = C.input_variable(3)
    z = C.layers.Dense(2)(x)
    with pytest.raises(ValueError, match=r'\(2,\).*\(3,\)'):
        C.squared_error(z, y)


def test_nonfinite_loss_raise_leaves_parameters_untouched():
    x, y, z, loss = regression()
    before = [p.value.copy() for p in z.parameters]
    trainer = C.Trainer(z, loss, [C.sgd(z.parameters, 0.1)], on_nonfinite_loss='raise')
    X, Y = batch()
    trainer.train_minibatch({x: X, y: Y})
    Y[2, 0] = np.nan
    with pytest.raises(FloatingPointError, match='minibatch 2'):
        trainer.train_minibatch({x: X, y: Y})
    assert trainer.total_number_of_samples_seen == 4
    trainer_before = [p.value.copy() for p in z.parameters]
    assert not all(np.array_equal(a, b) for a, b in zip(before, trainer_before))
    with pytest.raises(FloatingPointError):
        trainer.train_minibatch({x: X, y: Y})
    for p, v in zip(z.parameters, trainer_before):
        np.testing.assert_array_equal(p.value, v)


def test_nonfinite_loss_warns_by_default():
    x, y, z, loss = regression()
    trainer = C.Trainer(z, loss, [C.sgd(z.parameters, 0.1)])
    X, Y = batch()
    Y[0, 0] = np.inf
    with pytest.warns(RuntimeWarning, match='minibatch 1'):
        trainer.train_minibatch({x: X, y: Y})
    assert math.isinf(trainer.previous_minibatch_loss_average)


def test_empty_minibatch_returns_false():
    x, y, z, loss = regression()
    trainer = C.Trainer(z, loss, [C.sgd(z.parameters, 0.1)])
    assert trainer.train_minibatch({}) is False
    assert trainer.total_number_of_samples_seen == 0


def test_outputs_are_returned_with_the_update_flag():
    x, y, z, loss = regression()
    trainer = C.Trainer(z, (loss, loss), [C.sgd(z.parameters, 0.0)])
    X, Y = batch()
    updated, values = trainer.train_minibatch({x: X, y: Y}, outputs=[z.output])
    assert updated is False  # a zero learning rate makes no update (as CNTK reports)
    np.testing.assert_allclose(values[z.output], z.eval({x: X}), rtol=1e-6)


def test_metric_average_and_test_minibatch():
    x, y, z, loss = regression()
    trainer = C.Trainer(z, (loss, loss), [C.sgd(z.parameters, 0.0)])
    X, Y = batch(6)
    expected = float(np.mean(np.sum((z.eval({x: X}) - Y) ** 2, axis=1)))
    assert trainer.test_minibatch({x: X, y: Y}) == pytest.approx(expected, rel=1e-6)
    trainer.train_minibatch({x: X, y: Y})
    assert trainer.previous_minibatch_loss_average == pytest.approx(expected, rel=1e-6)
    assert trainer.previous_minibatch_evaluation_average == pytest.approx(expected, rel=1e-6)
    assert trainer.previous_minibatch_sample_count == 6


def test_no_metric_means_no_evaluation_average():
    x, y, z, loss = regression()
    trainer = C.Trainer(z, loss, [C.sgd(z.parameters, 0.1)])
    with pytest.raises(RuntimeError, match='no metric'):
        trainer.previous_minibatch_evaluation_average
    with pytest.raises(ValueError, match='without an evaluation'):
        trainer.test_minibatch(dict(zip((x, y), batch())))


def test_printer_log_to_file(tmp_path, capsys):
    path = str(tmp_path / 'log.txt')
    printer = C.logging.ProgressPrinter(freq=1, log_to_file=path, rank=3, num_epochs=4)
    x, y, z, loss = regression()
    trainer = C.Trainer(z, (loss, loss), [C.sgd(z.parameters, 0.1)], [printer])
    X, Y = batch()
    trainer.train_minibatch({x: X, y: Y})
    printer.end_progress_print('done')
    assert capsys.readouterr().out == 'Redirecting log to file %srank3\n' % path
    lines = open(path + 'rank3').read().splitlines()
    assert lines[:4] == [path + 'rank3', 'CNTKCommandTrainInfo: train : 4',
                         'CNTKCommandTrainInfo: CNTKNoMoreCommands_Total : 4', 'CNTKCommandTrainBegin: train']
    assert lines[4] == 'Learning rate per minibatch: 0.1'
    assert lines[5].startswith(' Minibatch[   1-   1]: loss = ')
    assert lines[6:] == ['CNTKCommandTrainEnd: train', 'done']


def test_data_given_as_tuple_in_place_of_a_source_must_match_arguments():
    x, y, z, loss = regression()
    with pytest.raises(ValueError, match='tuple of 2 numpy or scipy arrays'):
        loss.train((batch()[0],), parameter_learners=[C.sgd(z.parameters, 0.1)])
    with pytest.raises(ValueError, match='a dict is not accepted'):
        loss.train({x: batch()[0]}, parameter_learners=[C.sgd(z.parameters, 0.1)])


def test_reader_needs_epoch_size():
    x, y, z, loss = regression()
    source = C.io.MinibatchSourceFromData(dict(x=batch()[0], y=batch()[1]))
    with pytest.raises(ValueError, match='epoch_size must be specified'):
        loss.train(source, parameter_learners=[C.sgd(z.parameters, 0.1)])


def read_event_records(path):
    """(payload bytes) of each record of an event file, checking both checksums."""
    import struct
    from cntk._logging.event_file import masked_crc32c
    data = open(path, 'rb').read()
    records, pos = [], 0
    while pos < len(data):
        header = data[pos:pos + 8]
        (length,) = struct.unpack('<Q', header)
        assert struct.unpack('<I', data[pos + 8:pos + 12])[0] == masked_crc32c(header)
        payload = data[pos + 12:pos + 12 + length]
        assert struct.unpack('<I', data[pos + 12 + length:pos + 16 + length])[0] == masked_crc32c(payload)
        records.append(payload)
        pos += 16 + length
    return records


def test_crc32c_known_value():
    from cntk._logging.event_file import crc32c
    assert crc32c(b'123456789') == 0xE3069283  # the standard check value of CRC-32C


def test_tensorboard_writer_writes_scalars_and_images(tmp_path):
    import struct
    writer = C.logging.TensorBoardProgressWriter(freq=1, log_dir=str(tmp_path))
    x, y, z, loss = regression()
    trainer = C.Trainer(z, (loss, loss), [C.sgd(z.parameters, 0.1)], [writer])
    trainer.train_minibatch(dict(zip((x, y), batch())))
    trainer.summarize_training_progress()
    writer.write_image('img', {x: np.zeros((2, 1, 4, 5), np.float32)}, 3)
    writer.close()
    with pytest.raises(RuntimeError, match='closed'):
        writer.flush()
    (name,) = os.listdir(str(tmp_path))
    records = read_event_records(os.path.join(str(tmp_path), name))
    assert b'brain.Event:2' in records[0]
    expected = trainer.previous_minibatch_loss_average
    for tag in (b'minibatch/avg_loss', b'summary/avg_loss'):
        record = next(r for r in records if tag in r)
        value = struct.unpack('<f', record[record.index(tag) + len(tag) + 1:][:4])[0]
        assert value == pytest.approx(expected, rel=1e-6)
    images = [r for r in records if b'\x89PNG' in r]
    assert len(images) == 2


def test_progress_bar_writer_counts_samples_and_prints_summaries(capsys):
    pytest.importorskip('tqdm')  # the optional 'progress' extra (installed by the test extra)
    bar = C.logging.ProgressBarWriter(total=12, freq=1)
    x, y, z, loss = regression()
    trainer = C.Trainer(z, (loss, loss), [C.sgd(z.parameters, 0.1)], [bar])
    for seed in range(3):
        trainer.train_minibatch(dict(zip((x, y), batch(4, seed))))
    trainer.summarize_training_progress()
    assert bar._bar.n == 12
    bar.close()
    assert 'epoch 1: loss' in capsys.readouterr().out
