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


def test_partial_files_are_invisible_and_only_a_stopped_writers_are_cleaned(tmp_path, results):
    """A second sweep into the same store must not delete the first's file in flight: only files
    whose writing process has ended are removed."""
    import subprocess
    import sys

    store.write_result(tmp_path, results[0])
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = tmp_path / "runs" / f"{store.TEMPORARY_PREFIX}{int(ended.stdout)}-abc.parquet"
        in_flight = tmp_path / "runs" / f"{store.TEMPORARY_PREFIX}{live.pid}-def.parquet"
        for path in (stale, in_flight):
            path.write_bytes(b"half a file")
        assert len(store.stored_keys(tmp_path)) == 1
        assert store.open(tmp_path).execute("SELECT count(*) FROM runs").fetchone()[0] == 1
        assert store.check(tmp_path).partial == [stale]
        assert store.remove_partial_files(tmp_path) == 1 and not stale.exists() and in_flight.exists()
    finally:
        live.kill()
        live.wait()
    assert store.remove_partial_files(tmp_path) == 1 and not in_flight.exists()


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


def _alter_a_metric(path):
    """Rewrite a run file with one metric changed and its checksums kept: what a flipped bit in a
    value does, without making the file unreadable."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    column = table.column_names.index("consensus")
    altered = table.set_column(column, "consensus", pa.array([table["consensus"][0].as_py() + 1e-9]))
    pq.write_table(altered.replace_schema_metadata(table.schema.metadata), path)


@pytest.mark.parametrize("harm, reason", [
    (lambda path: path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2]), "unreadable"),
    (lambda path: path.write_bytes(b""), "unreadable"),
    (_alter_a_metric, "altered"),
])
def test_a_damaged_run_is_found_set_aside_and_run_again(tmp_path, results, harm, reason):
    from polislab.experiments.spec import spec_from_dict
    from polislab.experiments.sweep import run_sweep

    spec = spec_from_dict({"model": "echochamber", "preset": "chosen-listening", "seeds": [1, 2],
                           "params": {"steps": 200, "n": 5}})
    run_sweep(spec, tmp_path, backend="serial")
    keys = sorted(store.stored_keys(tmp_path))
    before = {key: (tmp_path / "runs" / f"{key}.parquet").read_bytes() for key in keys}
    assert store.check(tmp_path).clean and all(store.damage(tmp_path, key) is None for key in keys)
    harm(tmp_path / "runs" / f"{keys[0]}.parquet")
    found = store.check(tmp_path)
    assert list(found.damaged) == [keys[0]] and reason in found.damaged[keys[0]]
    assert len(store.open(tmp_path).execute("SELECT * FROM runs").fetchall()) == 1  # the damaged run is left out
    summary = run_sweep(spec, tmp_path, backend="serial")  # resumes: exactly the damaged run again
    assert summary.ran == 1 and store.check(tmp_path).clean
    assert (tmp_path / "runs" / f"{keys[0]}.parquet").read_bytes() == before[keys[0]]
    assert (tmp_path / store.DAMAGED / "runs" / f"{keys[0]}.parquet").is_file()  # set aside, not deleted


def test_repair_sets_aside_damaged_orphaned_and_partial_files_and_deletes_nothing(tmp_path, results):
    keys = [store.write_result(tmp_path, result) for result in results]
    (tmp_path / "artifacts" / f"{keys[1]}.npz").write_bytes(b"flipped")  # damages run 1 via its artifacts
    (tmp_path / "series" / "orphan.parquet").write_bytes(b"no run")
    (tmp_path / "runs" / ".partial-x-half.parquet").write_bytes(b"half")  # no live owner
    found = store.check(tmp_path)
    assert found.damaged == {keys[1]: "artifacts file altered (checksum differs)"}
    assert [p.name for p in found.orphans] == ["orphan.parquet"] and len(found.partial) == 1
    files_before = len([p for p in tmp_path.rglob("*") if p.is_file()])
    store.repair(tmp_path)
    assert store.check(tmp_path).clean and store.stored_keys(tmp_path) == {keys[0]}
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == files_before


def test_runs_written_before_checksums_still_read(tmp_path, results):
    import pyarrow.parquet as pq

    key = store.write_result(tmp_path, results[0])
    path = tmp_path / "runs" / f"{key}.parquet"
    pq.write_table(pq.read_table(path).replace_schema_metadata(None), path)
    assert store.damage(tmp_path, key) is None and store.check(tmp_path).clean
    assert len(store.open(tmp_path).execute("SELECT * FROM runs").fetchall()) == 1


def test_event_tables_are_views_checksummed_and_set_aside_with_their_run(tmp_path):
    """A run's tables (the platform's event log) become DuckDB views over every run that has
    them; altering one damages its run, and repair sets it aside with the run's other files."""
    platform = get_model("platform")
    params = platform.make_params({"n": 60, "days": 2, "follows": 5, "events": True})
    keys = [store.write_result(tmp_path, result) for result in platform.run(params, [1, 2])]
    connection = store.open(tmp_path)
    likes = connection.execute("SELECT key, count(*) FROM likes GROUP BY key ORDER BY key").fetchall()
    stored = dict(connection.execute("SELECT key, likes FROM runs").fetchall())
    assert [(key, stored[key]) for key in sorted(keys)] == likes  # one like row per like counted
    path = tmp_path / "tables" / "likes" / f"{keys[0]}.parquet"
    path.write_bytes(path.read_bytes()[:-20])
    assert store.check(tmp_path).damaged == {keys[0]: "table likes file altered (checksum differs)"}
    store.repair(tmp_path)
    assert store.check(tmp_path).clean and store.stored_keys(tmp_path) == {keys[1]}
    assert (tmp_path / store.DAMAGED / "tables" / "likes" / f"{keys[0]}.parquet").is_file()
    assert store.open(tmp_path).execute("SELECT DISTINCT key FROM posts").fetchall() == [(keys[1],)]
