"""The queue's rows as HTML, built in Python (issue 12).

The queue shows each of its rows twice (a table row on a desktop, a card on a phone). Drawn
by the template engine, a row costs about 60 variable look-ups and tag calls, each resolved
through the context stack: 25 rows took about half of the page's CPU. Here each row is
built once with ``format_html`` (every value escaped), from the same badge functions the
template tags use, and the template prints the pieces.

The SLA cell belongs to the SLA app above tickets: the template still draws it with
``{% sla_badge r %}`` between a row's two halves (``queue_row_start`` … ``queue_row_end``,
``queue_card_start`` … ``queue_card_end``), so tickets imports nothing from it.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .templatetags.tickets_ui import phone, priority_badge, stars, status_badge

# What a row shows (below) and what its SLA badge reads (the status), of the request and of the
# customer, product and region joined to it (``request_page_for(fields=…)``). The unit and the
# technician are read whole by primary key. A column missing here is read once per row: the
# queue page's query count is pinned in ``tests/test_query_counts.py``.
QUEUE_ROW_FIELDS = (
    "number",
    "created_at",
    "customer_id",
    "contact_phone",
    "product_id",
    "unit_id",
    "service_type",
    "priority",
    "status",
    "region_id",
    "assigned_technician_id",
    "customer__name",
    "customer__company_name",
    "customer__kind",
    "customer__tier",
    "product__model_code",
    "region__name",
)

NONE = mark_safe('<span class="text-muted">—</span>')  # noqa: S308 - a constant

ROW_START = (
    '<tr data-number="{number}">\n'
    '    <td class="col-number"><a class="fw-semibold" href="{url}">{number}</a></td>\n'
    '    <td class="col-created small">{day}<br><span class="text-muted">{time}</span></td>\n'
    '    <td class="col-customer"><span class="cell-clip" title="{customer}">{customer}</span> {stars}'
    '<div class="small text-muted col-phone">{phone}</div></td>\n'
    '    <td class="col-product small">{product}</td>\n'
    '    <td class="col-type small">{type}</td>\n'
    '    <td class="col-priority">{priority}</td>\n'
    '    <td class="col-status">{status}</td>\n'
    '    <td class="col-sla sla-cell">'
)
ROW_END = (
    "</td>\n"
    '    <td class="col-region small"><span class="cell-clip" title="{region_title}">{region}</span></td>\n'
    '    <td class="col-technician small">{technician}</td>\n'
    "  </tr>"
)
CARD_START = (
    '<a class="card shadow-sm mb-2 text-reset text-decoration-none" href="{url}" data-number="{number}">\n'
    '    <div class="card-body p-2">\n'
    '      <div class="d-flex justify-content-between align-items-center gap-2">\n'
    '        <span class="fw-semibold text-primary">{number}</span>\n'
    "        <span>{priority} {status}</span>\n"
    "      </div>\n"
    '      <div class="sla-line">'
)
CARD_END = (
    "</div>\n"
    '      <div>{customer} {stars} <span class="small text-muted text-nowrap"><i class="bi bi-telephone"></i> {phone}'
    "</span></div>\n"
    '      <div class="small text-muted">\n'
    "        {type}{product}{serial}\n"
    "      </div>\n"
    '      <div class="small text-muted d-flex justify-content-between">\n'
    "        <span>{day} {time}{region}</span>\n"
    "        {technician}\n"
    "      </div>\n"
    "    </div>\n"
    "  </a>"
)


def queue_rows_prepare(rows) -> None:
    """Give each row its link (one URL reversed for the page, not one per row) and the HTML
    of its table row and card around the SLA cell."""
    marker = 987654321987
    template = reverse("tickets:detail", args=[marker])
    for r in rows:
        local = timezone.localtime(r.created_at)
        r.detail_url = template.replace(str(marker), str(r.pk))
        r.created_day, r.created_time = f"{local:%Y-%m-%d}", f"{local:%H:%M}"
        _row_html(r)


def _row_html(r) -> None:
    customer = str(r.customer)
    tier_stars = stars(r.customer.tier)
    phone_text = phone(r.contact_phone)
    priority, status = priority_badge(r.priority), status_badge(r.status)
    service_type = r.get_service_type_display()
    product, unit, region = r.product, r.unit, r.region
    technician = r.assigned_technician.display_name if r.assigned_technician else None

    product_cell = SafeString()
    if product:
        product_cell += format_html('<span class="cell-clip" title="{0}">{0}</span>', product.model_code)
    if unit:
        product_cell += format_html('<br><span class="cell-clip text-muted" title="{0}">{0}</span>', unit.serial_number)
    if not product and not unit:
        product_cell = NONE
    r.queue_row_start = format_html(
        ROW_START,
        number=r.number,
        url=r.detail_url,
        day=r.created_day,
        time=r.created_time,
        customer=customer,
        stars=tier_stars,
        phone=phone_text,
        product=product_cell,
        type=service_type,
        priority=priority,
        status=status,
    )
    r.queue_row_end = format_html(
        ROW_END,
        region_title=region or "",
        region=region or "—",
        technician=(format_html('<span class="cell-clip" title="{0}">{0}</span>', technician) if technician else NONE),
    )
    r.queue_card_start = format_html(CARD_START, url=r.detail_url, number=r.number, priority=priority, status=status)
    r.queue_card_end = format_html(
        CARD_END,
        customer=customer,
        stars=tier_stars,
        phone=phone_text,
        type=service_type,
        product=format_html(" · {}", product.model_code) if product else "",
        serial=format_html(" · {}", unit.serial_number) if unit else "",
        day=r.created_day,
        time=r.created_time,
        region=format_html(" · {}", region) if region else "",
        technician=(format_html('<span><i class="bi bi-person-gear"></i> {}</span>', technician) if technician else ""),
    )
