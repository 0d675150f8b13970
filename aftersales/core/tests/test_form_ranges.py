"""Dates typed into pages and the admin stay in 1900-2100 (issue 11, item 8).

Every date or date-and-time field of every page form and of every admin page (inlines too) is one
of ``core.formfields``' bounded fields, so a purchase date in year 1 or a visit window in year 9999
is a form error, never a stored value that crashes a page later.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory

import aftersales
from aftersales.accounts.choices import Role
from aftersales.core.formfields import DayField, MomentField, SplitMomentField

BOUNDED = (DayField, MomentField, SplitMomentField)
DATE_FIELDS = (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField)


def _unbounded(form_class, where: str) -> list[str]:
    try:
        fields = form_class.base_fields
    except AttributeError:
        return []
    return [
        f"{where}.{name}: {type(field).__name__}"
        for name, field in fields.items()
        if isinstance(field, DATE_FIELDS) and not isinstance(field, BOUNDED)
    ]


def _form_modules():
    for info in pkgutil.walk_packages(aftersales.__path__, "aftersales."):
        if info.name.endswith((".forms", ".filters")) or ".forms." in info.name:
            yield importlib.import_module(info.name)


def test_every_page_form_bounds_its_dates():
    """Forms of the admin get their date fields from the admin (next test); all others here."""
    admin_forms = {
        form
        for model_admin in admin.site._registry.values()
        for form in (getattr(model_admin, "form", None), getattr(model_admin, "add_form", None))
        if form is not None
    }
    problems = []
    for module in _form_modules():
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__ == module.__name__ and issubclass(obj, forms.BaseForm) and obj not in admin_forms:
                problems += _unbounded(obj, f"{module.__name__}.{name}")
    assert not problems, "use core.formfields.DayField / MomentField:\n" + "\n".join(problems)


@pytest.mark.django_db
def test_every_admin_page_bounds_its_dates(make_user):
    request = RequestFactory().get("/admin/")
    request.user = make_user(Role.ADMIN)
    problems = []
    for model, model_admin in admin.site._registry.items():
        where = f"admin {model._meta.label}"
        if model_admin.has_add_permission(request) or model_admin.has_change_permission(request):
            problems += _unbounded(model_admin.get_form(request), where)
        for inline in model_admin.get_inline_instances(request):
            if inline.has_add_permission(request, None) or inline.has_change_permission(request):
                problems += _unbounded(inline.get_formset(request).form, f"{where} inline {inline.model._meta.label}")
    assert not problems, "set formfield_overrides = core.formfields.DATE_FORMFIELDS:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("field", "raw", "ok"),
    [
        (DayField(), "2026-03-01", True),
        (DayField(), "1900-01-01", True),
        (DayField(), "2100-12-31", True),
        (DayField(), "0001-01-01", False),
        (DayField(), "1899-12-31", False),
        (DayField(), "9999-12-31", False),
        (MomentField(), "2026-03-01 09:00", True),
        (MomentField(), "0001-01-01 00:00", False),
        (MomentField(), "9999-12-31 23:59", False),
        (SplitMomentField(), ["0001-01-01", "00:00"], False),
        (SplitMomentField(), ["2026-03-01", "09:00"], True),
    ],
)
def test_bounded_fields(field, raw, ok):
    if ok:
        assert isinstance(field.clean(raw), datetime.date)
    else:
        with pytest.raises(forms.ValidationError) as exc:
            field.clean(raw)
        assert "1900-01-01" in str(exc.value)
