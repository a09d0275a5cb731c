"""The layers of DESIGN.md and docs/architecture.md, checked on the source: imports point down
``core`` < ``learn`` < ``models`` < ``experiments`` < ``figures``/``report`` < ``cli``, and no
module imports itself round a cycle. Every ``import`` counts, at the top of a module or inside a
function (only those under ``if TYPE_CHECKING:``, which never run, are left out)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src"
LAYERS = {"core": 1, "learn": 2, "models": 3, "experiments": 4, "figures": 5, "report": 5, "view": 5, "cli": 6,
          "testing": 7, "__main__": 7, "": 7}  # "": the package itself, a front door that re-exports core


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS[parts[1] if len(parts) > 1 else ""]


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(path: Path, modules: set[str]) -> set[str]:
    """The polislab modules ``path`` imports (a name imported from a package counts as its module
    when it is one)."""
    tree = ast.parse(path.read_text())
    skipped = {id(child) for node in ast.walk(tree) if _type_checking_only(node)
               for body in node.body for child in ast.walk(body)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in modules else node.module)
    return {name for name in found if name.split(".")[0] == "polislab"}


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(path): path for path in (SOURCE / "polislab").rglob("*.py")}
    modules = set(paths)
    return {name: imports(path, modules) - {name} for name, path in paths.items()}


def test_imports_point_down_the_layers():
    upward = [f"{importer} (layer {layer(importer)}) imports {imported} (layer {layer(imported)})"
              for importer, imported_set in import_graph().items() for imported in sorted(imported_set)
              if layer(imported) > layer(importer)]
    assert not upward, "\n".join(upward)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph (its nodes in order), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for after in sorted(graph.get(node, ())):
            if state.get(after) == 1:
                return stack[stack.index(after):] + [after]
            if after not in state and (cycle := visit(after)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_module_imports_itself_round_a_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle)


@pytest.mark.parametrize("graph, cyclic", [({"a": {"b"}, "b": {"c"}, "c": set()}, False),
                                           ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, True),
                                           ({"a": {"a"}}, True)])
def test_the_cycle_finder_finds_cycles(graph, cyclic):
    assert (find_cycle(graph) is not None) == cyclic


def test_a_learner_imports_no_model():
    """``learn`` serves every model: a model supplies the environment, ``learn`` the learning."""
    learners = {name: imported for name, imported in import_graph().items() if name.startswith("polislab.learn")}
    assert learners and not {name for name, imported in learners.items()
                             if any(module.startswith("polislab.models") for module in imported)}
