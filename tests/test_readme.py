"""The README's quick start is what CI runs."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_exactly_the_readmes_test_command():
    ci_command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert "pytest" in ci_command and "torch==2.13.0" in ci_command
    assert ci_command in (ROOT / "README.md").read_text()


def test_the_readme_lists_every_built_in_model():
    from polislab.core.registry import builtin_models

    readme = (ROOT / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in builtin_models())


def test_the_example_specs_are_valid_and_the_curriculum_is_the_catalogs():
    """Every examples/*.toml loads; the N = 500 curriculum runs what the catalog entry runs (its
    saved policy file aside)."""
    from polislab.experiments.catalog import entry
    from polislab.experiments.spec import load_spec

    specs = {path.stem: load_spec(path) for path in sorted((ROOT / "examples").glob("*.toml"))}
    example = specs["gat-n500-curriculum"]
    catalog = entry("learned-gat-n500-rewires-imitation").spec
    assert example.seeds == catalog.seeds
    assert example.points()[0].model_copy(update={"save_to": ""}) == catalog.points()[0]
