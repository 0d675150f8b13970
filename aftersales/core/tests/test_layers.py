"""The import layers (``[tool.importlinter]`` in pyproject.toml): the tree keeps them, and an upward
import breaks them. The upward imports are written into a copy of the package in a temporary
directory, never into the real tree."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import aftersales

ROOT = Path(aftersales.__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-logo", "--no-cache", str(cwd / "pyproject.toml")],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": str(LINT_IMPORTS.parent), "PYTHONPATH": str(cwd), "LANG": "C.UTF-8"},
    )


def test_the_tree_keeps_the_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory) -> Path:
    """The Python files of the package and the config, copied: a tree to break on purpose."""
    where = tmp_path_factory.mktemp("layers")
    shutil.copytree(
        ROOT / "aftersales",
        where / "aftersales",
        ignore=lambda folder, names: [
            n for n in names if not (n.endswith(".py") or (Path(folder) / n).is_dir()) or n == "__pycache__"
        ],
    )
    shutil.copy(ROOT / "pyproject.toml", where / "pyproject.toml")
    return where


@pytest.mark.parametrize(
    ("module", "code", "message"),
    [
        # A function-level import counts as much as one at the top.
        (
            "core/upward.py",
            "def count():\n    from aftersales.tickets.models import ServiceRequest\n\n    return ServiceRequest\n",
            "aftersales.core is not allowed to import aftersales.tickets",
        ),
        (
            "catalog/upward.py",
            "from aftersales.field import sanbao  # noqa: F401\n",
            "aftersales.catalog is not allowed to import aftersales.field",
        ),
        (
            "dispatch/upward.py",
            "from aftersales.parts.selectors import parts_outlook  # noqa: F401\n",
            "aftersales.dispatch is not allowed to import aftersales.parts",
        ),
        (
            "parts/upward.py",
            "from aftersales import urls  # noqa: F401\n",
            "aftersales.parts is not allowed to import aftersales.urls",
        ),
    ],
)
def test_an_upward_import_breaks_the_layers(package_copy, module, code, message):
    added = package_copy / "aftersales" / module
    added.write_text(code)
    try:
        result = lint_imports(package_copy)
    finally:
        added.unlink()
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stdout
    assert str(ROOT / "aftersales" / module) not in result.stdout  # the real tree was not touched
    assert not (ROOT / "aftersales" / module).exists()


def test_an_app_left_out_of_the_layers_breaks_them(package_copy):
    """A new app must be placed in the layers (``exhaustive``)."""
    app = package_copy / "aftersales" / "unplaced"
    app.mkdir()
    (app / "__init__.py").write_text("")
    try:
        result = lint_imports(package_copy)
    finally:
        shutil.rmtree(app)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "aftersales.unplaced" in result.stdout


def test_every_app_is_a_layer():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    apps = {p.parent.name for p in (ROOT / "aftersales").glob("*/apps.py")}
    assert set(layers) == apps
