"""Slots (``core.slots``): how a lower app lets the apps above it add to its pages and rules."""

import pytest
from django.test import RequestFactory

from aftersales.catalog.slots import UNIT_BADGES, UNIT_MAIN, UNIT_SCOPE, UNIT_SIDE
from aftersales.core.slots import Slot, panel, pk_in_any
from aftersales.customers.models import Customer
from aftersales.customers.slots import CUSTOMER_MAIN, CUSTOMER_SCOPE, HISTORY_COUNT
from aftersales.dispatch.slots import SUGGESTIONS, TECHNICIAN_BLOCKS, TECHNICIAN_SIDE
from aftersales.tickets.slots import QUEUE_ROWS, REQUEST_SIDE


def one(x):
    return f"one {x}"


def two(x):
    return f"two {x}"


def nothing(x):
    return ""


def test_functions_run_in_order_once_each():
    slot = Slot("test.slot")
    slot.add(two, order=20)
    slot.add(one, order=10)
    slot.add(one, order=10)  # ready() twice: still once
    slot.add(nothing, order=30)
    assert slot.call("a") == ["one a", "two a", ""]
    assert slot.render("b") == ["one b", "two b"]
    slot.remove(f"{one.__module__}.{one.__qualname__}")
    assert slot.call("c") == ["two c", ""]


def test_a_panel_renders_its_template_or_nothing(settings, tmp_path):
    (tmp_path / "t.html").write_text("<p>{{ word }} {% if csrf_token %}with a token{% endif %}</p>")
    settings.TEMPLATES = [
        {"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [str(tmp_path)], "OPTIONS": {}}
    ]
    request = RequestFactory().get("/here/")
    shown = panel("t.html", lambda request, obj: {"word": obj})
    hidden = panel("t.html", lambda request, obj: None)
    assert shown(request, "hello") == "<p>hello with a token</p>"  # a RequestContext
    assert hidden(request, "hello") == ""


@pytest.mark.django_db
def test_no_scope_answer_sees_nothing():
    customer = Customer.objects.create(name="甲", phone="+8613800000001")
    assert not Customer.objects.filter(pk_in_any([])).exists()
    assert not Customer.objects.filter(pk_in_any([None])).exists()
    ids = Customer.objects.filter(pk=customer.pk).values("pk")
    assert list(Customer.objects.filter(pk_in_any([None, ids]))) == [customer]


def test_the_apps_above_fill_the_slots_of_the_apps_below():
    """Who fills what, registered in the apps' ready(): the pages below show what the apps above add."""

    def modules(slot):
        return {fn.__module__.split(".")[1] for fn in slot.functions()}

    assert modules(UNIT_SCOPE) == {"tickets"}
    assert modules(UNIT_BADGES) == modules(UNIT_MAIN) == {"field"}
    assert modules(UNIT_SIDE) == {"field", "returns"}
    assert modules(CUSTOMER_SCOPE) == modules(HISTORY_COUNT) == {"tickets"}
    assert modules(CUSTOMER_MAIN) == {"catalog", "tickets"}
    assert modules(QUEUE_ROWS) == {"sla"}
    assert modules(SUGGESTIONS) == {"parts", "training"}
    assert modules(TECHNICIAN_BLOCKS) == modules(TECHNICIAN_SIDE) == {"training"}
    assert [fn.__module__ for fn in REQUEST_SIDE.functions()] == [
        "aftersales.sla.panels",
        "aftersales.dispatch.panels",
        "aftersales.field.panels",
        "aftersales.returns.panels",
        "aftersales.feedback.panels",
        "aftersales.complaints.panels",
    ]
