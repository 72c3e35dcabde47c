"""The dependency directions of DESIGN.md §2, checked on the import statements of the code."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(package: str) -> dict[str, set[str]]:
    """``{file: modules it imports}`` for every Python file of ``package`` (absolute imports only)."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        modules = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module)
        found[str(path.relative_to(ROOT))] = modules
    return found


def offending(package: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    """Files of ``package`` importing a module in or below one of ``forbidden``, with those modules."""
    def bad(module: str) -> bool:
        return any(module == name or module.startswith(name + ".") for name in forbidden)

    found = {file: sorted(filter(bad, modules)) for file, modules in imported_modules(package).items()}
    return {file: modules for file, modules in found.items() if modules}


def test_analysis_imports_no_web_app():
    """``analysis`` runs in a notebook on an exported CSV, with no server and no Flask."""
    assert offending("analysis", ("survey_app", "flask", "flask_babel", "flask_wtf", "wtforms")) == {}


def test_forms_import_no_web_app():
    """``forms`` builds WTForms classes but needs no app, models or session."""
    assert offending("forms", ("survey_app", "flask_sqlalchemy", "flask_login")) == {}


def test_login_pages_do_not_depend_on_the_admin_blueprint():
    """Signing in works in an app without the admin pages: auth shares rules through services only."""
    assert offending("survey_app/auth", ("survey_app.admin",)) == {}
