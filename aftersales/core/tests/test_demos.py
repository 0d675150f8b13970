"""Demo discovery (``core.demos``): each app's ``demo`` module is found without core naming it, and run
in ``DEMO_ORDER``, which follows the import layers."""

import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured

import aftersales
from aftersales.core import demos
from aftersales.core.demos import DemoContext, demo_apps, demo_present, demo_run


def test_every_app_with_demo_data_is_found_in_order():
    found = [app.label for app in demo_apps()]
    assert found == [
        "accounts",
        "customers",
        "catalog",
        "tickets",
        "notifications",
        "sla",
        "dispatch",
        "parts",
        "field",
        "returns",
        "complaints",
        "feedback",
        "quality",
        "kpis",
        "training",
        "management",
    ]
    orders = [app.order for app in demo_apps()]
    assert orders == sorted(set(orders))


def test_demo_order_follows_the_layers():
    """An app's demo may use what the apps below it made, so it must run after them."""
    pyproject = Path(aftersales.__file__).resolve().parent.parent / "pyproject.toml"
    config = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    height = {label: len(layers) - i for i, label in enumerate(layers)}
    apps = demo_apps()
    assert [a.label for a in sorted(apps, key=lambda a: height[a.label])] == [a.label for a in apps]


# --- with made-up apps -----------------------------------------------------------------------------


@pytest.fixture
def fake_apps(tmp_path, monkeypatch):
    """Installs made-up apps (package name -> demo.py source) in place of the real ones."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def install(sources: dict[str, str]):
        configs = []
        for name, source in sources.items():
            package = tmp_path / name
            package.mkdir()
            (package / "__init__.py").write_text("")
            if source is not None:
                (package / "demo.py").write_text(source)
            module = __import__(name)
            configs.append(SimpleNamespace(name=name, label=name, module=module))
        monkeypatch.setattr(demos.apps, "get_app_configs", lambda: configs)
        return configs

    yield install
    for name in [m for m in sys.modules if m.startswith("fakeapp")]:
        del sys.modules[name]


RECORDING = """
DEMO_ORDER = {order}
def demo_reference(ctx):
    ctx.data.setdefault("calls", []).append(("reference", "{name}"))
def demo_load(ctx):
    ctx.data.setdefault("calls", []).append(("load", "{name}", sorted(ctx.data)))
def demo_bulk(ctx):
    ctx.data.setdefault("calls", []).append(("bulk", "{name}", ctx.scale))
def demo_finish(ctx):
    ctx.data.setdefault("calls", []).append(("finish", "{name}"))
def demo_present():
    return {present}
"""


@pytest.mark.django_db
def test_reference_first_then_the_demo_sets_in_order(fake_apps):
    fake_apps(
        {
            "fakeapp_high": RECORDING.format(order=20, name="high", present=False),
            "fakeapp_none": None,  # no demo module: skipped
            "fakeapp_low": RECORDING.format(order=10, name="low", present=False),
        }
    )
    ctx = DemoContext(seed=1)
    assert demo_run(ctx) == ["fakeapp_low", "fakeapp_high"]
    assert ctx.data["calls"] == [
        ("reference", "low"),
        ("reference", "high"),
        ("load", "low", ["calls"]),
        ("load", "high", ["calls"]),
        ("finish", "high"),
        ("finish", "low"),
    ]
    assert demo_present() is False


@pytest.mark.django_db
def test_scale_mode_only_and_reference_only(fake_apps):
    fake_apps(
        {
            "fakeapp_a": RECORDING.format(order=10, name="a", present=False),
            "fakeapp_b": "DEMO_ORDER = 20\ndef demo_load(ctx):\n    raise AssertionError\n",
        }
    )
    ctx = DemoContext(scale=50)
    demo_run(ctx)
    assert ctx.data["calls"] == [("reference", "a"), ("bulk", "a", 50)]  # b has no demo_bulk
    ctx = DemoContext()
    assert demo_run(ctx, only={"fakeapp_a"}) == ["fakeapp_a"]
    ctx = DemoContext()
    demo_run(ctx, reference_only=True)
    assert ctx.data["calls"] == [("reference", "a")]


def test_present_when_any_app_says_so(fake_apps):
    fake_apps(
        {
            "fakeapp_x": RECORDING.format(order=10, name="x", present=False),
            "fakeapp_y": RECORDING.format(order=20, name="y", present=True),
        }
    )
    assert demo_present() is True


def test_a_demo_module_without_an_order_is_refused(fake_apps):
    fake_apps({"fakeapp_bad": "def demo_load(ctx):\n    pass\n"})
    with pytest.raises(ImproperlyConfigured, match="DEMO_ORDER"):
        demo_apps()


def test_each_app_draws_its_own_repeatable_numbers():
    a, b = DemoContext(seed=5), DemoContext(seed=5)
    assert a.rng("customers").random() == b.rng("customers").random()
    assert a.rng("customers").random() != a.rng("catalog").random()
