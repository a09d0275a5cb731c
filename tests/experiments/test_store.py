"""The store: atomic per-run Parquet files, DuckDB views, partial files never counted."""

import numpy as np
import pytest

from polislab import get_model
from polislab.experiments import store
from polislab.experiments.store_reader import StoreReader

SPEC = get_model("echochamber")


@pytest.fixture(scope="module")
def results():
    params = SPEC.make_params({"steps": 200, "n": 5}, preset="chosen-listening")
    return SPEC.run(params, [1, 2])


def test_round_trip_through_duckdb(tmp_path, results):
    keys = [store.write_result(tmp_path, r) for r in results]
    assert store.stored_keys(tmp_path) == set(keys)
    connection = store.open(tmp_path)
    rows = connection.execute("SELECT key, seed, n, preset_free, consensus FROM "
                              "(SELECT *, 1 AS preset_free FROM runs) ORDER BY seed").fetchall()
    assert [(r[1], r[2]) for r in rows] == [(1, 5), (2, 5)]
    assert rows[0][4] == pytest.approx(results[0].metrics["consensus"])
    count = connection.execute("SELECT count(*) FROM series WHERE key = ?", [keys[0]]).fetchone()[0]
    assert count == len(results[0].series["step"])
    artifacts = store.load_artifacts(tmp_path, keys[0])
    np.testing.assert_array_equal(artifacts["listen_matrix"], results[0].artifacts["listen_matrix"])


def test_nulls_read_back_as_nan(tmp_path, results):
    for r in results:
        store.write_result(tmp_path, r)
    table = StoreReader(tmp_path).runs(store.stored_keys(tmp_path))
    # bubble_step is None for runs that never formed bubbles within 200 steps
    assert np.all(np.isnan(table["bubble_step"]))


def test_partial_files_are_invisible_and_cleaned(tmp_path, results):
    store.write_result(tmp_path, results[0])
    partial = tmp_path / "runs" / f"{store.TEMPORARY_PREFIX}123-abc.parquet"
    partial.write_bytes(b"half a file")
    assert len(store.stored_keys(tmp_path)) == 1
    assert store.open(tmp_path).execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    assert store.remove_partial_files(tmp_path) == 1 and not partial.exists()


def test_an_empty_store_has_empty_views(tmp_path):
    connection = store.open(tmp_path)
    assert connection.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    assert connection.execute("SELECT count(*) FROM series").fetchone()[0] == 0


def test_results_carry_parameters_seed_and_version(tmp_path, results):
    store.write_result(tmp_path, results[0])
    row = store.open(tmp_path).execute("SELECT version, seed, params_json FROM runs").fetchone()
    from polislab import __version__

    assert row[0] == __version__ and row[1] == 1
    assert store.read_params(row[2], SPEC.params) == results[0].params
