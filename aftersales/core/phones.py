"""Phone numbers: China by default, international with a + prefix; stored as E.164."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed


def phone_normalize(raw: str, *, field: str = "phone") -> str:
    """Return E.164 (+8613812345678) or raise ValidationFailed on ``field``."""
    text = (raw or "").strip()
    if not text:
        raise ValidationFailed(_("A phone number is required."), fields={field: [_("A phone number is required.")]})
    try:
        number = phonenumbers.parse(text, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationFailed(
            _("This is not a valid phone number."),
            code="invalid_phone",
            fields={field: [_("Enter a mobile or landline number, e.g. 13812345678 or +44 20 7946 0958.")]},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_key(raw: str) -> str | None:
    """Best-effort E.164 for a search box; None when the text is not a phone number."""
    try:
        return phone_normalize(raw)
    except ValidationFailed:
        return None


@lru_cache(maxsize=8192)
def phone_display(e164: str) -> str:
    """Readable form: national for China (138 1234 5678), international otherwise."""
    if not e164:
        return ""
    return _phone_display(e164)


@lru_cache(maxsize=4096)
def _phone_display(e164: str) -> str:
    # Parsing and formatting costs ~40 µs; a queue page shows 50 phones (table and cards).
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
