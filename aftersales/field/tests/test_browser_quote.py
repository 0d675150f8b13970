"""Issue 11, item 4: a technician quotes an in-warranty unit on his phone. The warranty repair (call-out
fee, labour, the part) is ticked as covered, so the quote starts at ¥0 for the customer; the extras he
asks for are the only thing charged, and the quote says what the warranty pays and what the customer
pays, on the job page and on the customer's consent.

Screenshots go to ``$SHOTS_DIR`` (default /tmp/shots).
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from aftersales.field.models import Quote

from .factories import field_job
from .test_browser import PHONE, _draw, _login

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))
DESKTOP = {"width": 1440, "height": 900}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("lang", "viewport"),
    [("zh-CN", PHONE), ("en-US", DESKTOP)],
    ids=["zh-phone", "en-desktop"],
)
def test_in_warranty_quote_starts_at_zero_and_charges_only_the_extras(
    browser, live_server, technician, manager, lang, viewport
):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    job = field_job(technician, manager, in_warranty=True, customer_name="周晓兰")
    repair = Decimal("130.00") + job.part.price  # call-out 50 + labour 80 + the part, at list price
    url = f"/field/jobs/{job.request.pk}/"
    phone = viewport == PHONE
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone, locale=lang)
    page = context.new_page()
    page.set_default_timeout(15_000)
    _login(page, live_server.url, technician, url)
    tag = f"quote-warranty-{'zh' if lang.startswith('zh') else 'en'}-{'phone' if phone else 'desktop'}"

    page.click("#check-in button[type=submit]")
    expect(page.locator("#diagnose")).to_be_visible()
    page.select_option("#cause", str(job.cause.pk))
    page.fill("#inspection_result", "压缩机不启动；客户另要求清洗室内机")
    if not page.input_value("#solution"):
        page.fill("#solution", "更换压缩机")
    # in warranty: "out of warranty" is not offered; the customer asked for an extra
    assert page.locator("#charge_reason option[value=out_of_warranty]").count() == 0
    page.select_option("#charge_reason", "extra_items")
    page.click("#diagnose button[type=submit]")

    # the quote starts with the warranty repair ticked: the customer pays ¥0
    expect(page.locator("#quote")).to_be_visible()
    expect(page.locator("#quote-cover-hint")).to_be_visible()
    for i in range(3):
        expect(page.locator(f"#covered_{i}")).to_be_checked()
    expect(page.locator("#covered_3")).not_to_be_checked()
    expect(page.locator("[data-quote-total]")).to_have_text("¥0.00")
    expect(page.locator("[data-quote-covered]")).to_have_text(f"¥{repair}")
    expect(page.locator("[data-quote-subtotal]")).to_have_text(f"¥{repair}")
    page.locator("#quote").screenshot(path=str(SHOTS / f"{tag}-1-start.png"))

    # the extra the customer asked for, on an empty line without the tick: only that is charged
    page.select_option("select[name=kind_3]", "other")
    page.fill("input[name=description_3]", "深度清洗室内机")
    page.fill("input[name=quantity_3]", "1")
    page.fill("input[name=unit_price_3]", "120.00")
    expect(page.locator("[data-quote-total]")).to_have_text("¥120.00")
    expect(page.locator("[data-quote-covered]")).to_have_text(f"¥{repair}")
    expect(page.locator("[data-quote-subtotal]")).to_have_text(f"¥{repair + Decimal('120.00')}")
    page.screenshot(path=str(SHOTS / f"{tag}-2-extra.png"), full_page=True)
    page.click("form.quote-form button[type=submit]")

    # the customer sees what the warranty pays and what he pays, and signs
    expect(page.locator("#consent")).to_be_visible()
    expect(page.locator("#consent [data-covered]")).to_have_text(f"¥{repair}")
    expect(page.locator("#consent [data-total]")).to_have_text("¥120.00")
    quote = Quote.objects.get(visit__request=job.request)
    assert (quote.subtotal, quote.covered, quote.total) == (repair + Decimal("120.00"), repair, Decimal("120.00"))
    page.locator("#consent").screenshot(path=str(SHOTS / f"{tag}-3-consent.png"))
    _draw(page, "#consent-pad")
    page.click("#consent form[data-signature] button[type=submit]")
    expect(page.locator("#parts")).to_be_visible()
    quote.refresh_from_db()
    assert quote.status == "accepted" and quote.visit.customer_total == Decimal("120.00")

    # the customer's own link says the same
    other = context.new_page()
    other.goto(f"{live_server.url}/field/q/{quote.token}/")
    expect(other.locator("[data-covered]")).to_have_text(f"¥{repair}")
    expect(other.locator("[data-total]")).to_have_text("¥120.00")
    other.screenshot(path=str(SHOTS / f"{tag}-4-link.png"), full_page=True)
    context.close()
