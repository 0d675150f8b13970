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
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"  # radios and multiple checkboxes too (form-control drew them as empty boxes)
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


def _done_text(done, result) -> str:
    return done(result) if callable(done) else done


def form_page(request, form: forms.Form, template: str, context: dict | None, *, run, done, then):
    """A page with one form. A valid POST calls ``run(form)`` (the service): a business error goes
    back on the form (400); success flashes ``done`` (a text, a function of the result, or nothing)
    and answers ``then(result)`` (a redirect). A POST the form refuses answers the page with 400;
    a GET, with 200."""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = run(form)
            except DomainError as exc:
                form_add_domain_error(form, exc)
            else:
                if done:
                    flash.success(request, _done_text(done, result))
                return then(result)
        status = 400
    return render(request, template, {**(context or {}), "form": form}, status=status)


def form_errors_text(form: forms.Form) -> list[str]:
    """A refused form's errors as lines of text, each with its field's label (flash messages)."""
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(e) for e in errors)
        lines.append(f"{label}: {text}" if label else text)
    return lines


def form_action(request, form: forms.Form, *, run, done, back, invalid: str | None = None):
    """A POST-only action with one small form (add a note, set a priority, move a visit): a valid
    form calls ``run(cleaned_data)`` (the service) and flashes ``done`` (a text or a function of the
    result), a business error flashes its text, a refused form flashes ``invalid`` (or the form's
    own errors); the answer is ``back()`` (a redirect) in every case."""
    if not form.is_valid():
        for line in [invalid] if invalid else form_errors_text(form):
            flash.error(request, line)
        return back()
    try:
        result = run(form.cleaned_data)
    except DomainError as exc:
        flash.error(request, domain_error_text(exc))
    else:
        flash.success(request, _done_text(done, result))
    return back()
