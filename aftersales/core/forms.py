"""Helpers shared by every app's HTML forms and views.

Forms check the shape of the input; the services check the rules. A ``DomainError`` raised
by a service is put back on the form with ``form_add_domain_error`` (or turned into one line
of text with ``domain_error_text`` for a flash message or an htmx fragment), so the page
shows the same message the API would answer, at the field it concerns.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages as flash
from django.shortcuts import render

from .errors import DomainError


class BootstrapMixin:
    """Give every widget the Bootstrap 5 class it needs; ``control_size = "sm"`` for compact forms."""

    control_size = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        size = f" form-{{}}-{self.control_size}" if self.control_size else ""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select" + size.format("select")
            else:
                css = "form-control" + size.format("control")
            widget.attrs.setdefault("class", css)


def form_add_domain_error(form: forms.Form, exc: DomainError, *, field_map: dict[str, str] | None = None) -> None:
    """Show a service error on ``form``: its message on top, its field messages at their fields
    (``field_map`` renames service field names to form field names); messages for fields the
    form does not have go on top too. Nothing is shown twice."""
    field_map = field_map or {}

    def on_top(message: str) -> None:
        if message not in [str(m) for m in form.non_field_errors()]:
            form.add_error(None, message)

    on_top(str(exc.message))
    for name, messages in exc.fields.items():
        target = field_map.get(name, name)
        for message in messages:
            if target in form.fields:
                form.add_error(target, str(message))
            else:
                on_top(str(message))


def domain_error_text(exc: DomainError) -> str:
    """The message plus the field messages, as one line (flash messages, small fragments)."""
    parts = [str(exc.message)]
    for messages in exc.fields.values():
        parts.extend(str(m) for m in messages if str(m) not in parts)
    return " ".join(parts)


def form_page(request, form: forms.Form, template: str, context: dict, *, run, done: str, then):
    """A page with one form. A valid POST calls ``run(form)`` (the service): a business error goes
    back on the form (400); success flashes ``done`` and answers ``then(result)`` (a redirect).
    A POST the form refuses answers the page with 400; a GET, with 200."""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = run(form)
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                flash.success(request, done)
                return then(result)
        status = 400
    return render(request, template, {**context, "form": form}, status=status)
