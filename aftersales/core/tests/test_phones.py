"""core.phones: Chinese numbers by default, international with +, E.164 stored."""

import pytest

from aftersales.core.errors import ValidationFailed
from aftersales.core.phones import phone_display, phone_normalize, phone_search_key


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13812345678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("  138 1234 5678 ", "+8613812345678"),
        ("021-12345678", "+862112345678"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_normalise(raw, e164):
    assert phone_normalize(raw) == e164


@pytest.mark.parametrize("raw", ["garbage", "12", "1381234567", "5678", "+999 1234", "00000000000", "1" * 40])
def test_garbage_is_refused(raw):
    with pytest.raises(ValidationFailed) as caught:
        phone_normalize(raw, field="contact_phone")
    assert caught.value.code == "invalid_phone"
    assert "contact_phone" in caught.value.fields


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_empty_is_required(raw):
    with pytest.raises(ValidationFailed) as caught:
        phone_normalize(raw)
    assert "phone" in caught.value.fields


def test_search_key_and_display():
    assert phone_search_key("138 1234 5678") == "+8613812345678"
    assert phone_search_key("5678") is None
    assert phone_search_key("王") is None
    assert phone_display("+8613812345678") == "138 1234 5678"
    assert phone_display("+442079460958") == "+44 20 7946 0958"
    assert phone_display("") == ""
