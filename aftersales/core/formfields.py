"""Form fields for dates and moments that keep to ``core.ranges`` (1900-2100), for pages and the admin.

A date in year 1 or a moment near year 9999 typed into a page would be stored and later crash
day arithmetic (time zones, "+ warranty months"): these fields refuse it with the form's usual
message instead. ``DATE_FORMFIELDS`` gives the same to every date of an admin page.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.core.exceptions import ValidationError
from django.db import models

from .ranges import day_error, day_in_range, moment_in_range


class DayField(forms.DateField):
    def validate(self, value):
        super().validate(value)
        if value and not day_in_range(value):
            raise ValidationError(day_error(), code="out_of_range")


def _check_moment(value) -> None:
    if value and not moment_in_range(value):
        raise ValidationError(day_error(), code="out_of_range")


class MomentField(forms.DateTimeField):
    """A moment typed in the site's time zone, between 1900 and 2100."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except (OverflowError, ValueError):
            raise ValidationError(day_error(), code="out_of_range") from None

    def validate(self, value):
        super().validate(value)
        _check_moment(value)


class SplitMomentField(forms.SplitDateTimeField):
    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except (OverflowError, ValueError):
            raise ValidationError(day_error(), code="out_of_range") from None

    def validate(self, value):
        super().validate(value)
        _check_moment(value)


# ``formfield_overrides`` for a ModelAdmin or an inline with date fields.
DATE_FORMFIELDS = {
    models.DateField: {"form_class": DayField, "widget": admin_widgets.AdminDateWidget},
    models.DateTimeField: {"form_class": SplitMomentField, "widget": admin_widgets.AdminSplitDateTime},
}
