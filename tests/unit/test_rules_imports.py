"""`rules.models` validates a rule by compiling it (Rule.clean) without an import loop:
nothing it imports, at the top of a module or inside `clean`, imports `rules.models` again."""

import ast
from pathlib import Path

RULES = Path(__file__).resolve().parents[2] / "rules"


def _rules_imports(tree: ast.AST, module: str) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # from .x import y / from . import x
                base = node.module or ""
                names = [base] if base else [alias.name for alias in node.names]
                found |= {f"rules.{name}" for name in names}
            elif (node.module or "").startswith("rules."):
                found.add(node.module)
    return found - {module}


def _top_level(tree: ast.Module) -> ast.Module:
    """The module's own statements, without `if TYPE_CHECKING:` blocks and function bodies."""
    body = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    return ast.Module(body=body, type_ignores=[])


def test_rule_clean_imports_nothing_that_imports_rules_models_back():
    graph = {}
    for path in RULES.glob("*.py"):
        module = f"rules.{path.stem}"
        tree = ast.parse(path.read_text())
        graph[module] = _rules_imports(_top_level(tree), module)
    models = ast.parse((RULES / "models.py").read_text())
    graph["rules.models"] = _rules_imports(models, "rules.models")  # clean()'s imports too
    seen, todo = set(), list(graph["rules.models"])
    while todo:
        module = todo.pop()
        assert module != "rules.models", "an import loop back to rules.models"
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    assert "rules.compiling" in seen  # what clean() compiles with
