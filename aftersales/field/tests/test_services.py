"""Field-service services against the database, state built through the services (R-FLD-2..4)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationFailed
from aftersales.core.models import AuditEvent
from aftersales.field.choices import (
    ChargeReason,
    CheckResult,
    LineKind,
    OldPart,
    Outcome,
    PaymentMethod,
    QuoteStatus,
    SecondVisitReason,
    SignaturePurpose,
    SignerRole,
    VisitStatus,
)
from aftersales.field.models import CheckRecord, Payment, Quote, Signature, Visit, VisitPart
from aftersales.field.selectors import checks_for, visit_paid_total
from aftersales.field.services import (
    ConsentRequired,
    FormIncomplete,
    IllegalVisitStep,
    form_missing,
    payment_record,
    quote_accept,
    quote_create,
    quote_decline,
    visit_check_in,
    visit_check_out,
    visit_checks_record,
    visit_diagnose,
    visit_part_use,
    visit_sign,
)
from aftersales.parts.models import Consumption, DefectiveReturn, StockLevel
from aftersales.tickets.choices import Status
from aftersales.tickets.models import ServiceRequestEvent

from .factories import (
    FaultCauseFactory,
    blank_signature_data_url,
    data_url_of,
    ensure_public_form_url,
    field_job,
    noisy_png_bytes,
    passing_results,
    quote_lines,
    signature_data_url,
)

pytestmark = pytest.mark.django_db
LOT = "B202607"


@pytest.fixture(autouse=True)
def _urls(settings):
    ensure_public_form_url(settings)


@pytest.fixture
def job(technician, manager):
    """Out of warranty, accepted by ``technician``, five compressors in his van."""
    return field_job(technician, manager)


@pytest.fixture
def warranty_job(technician, manager):
    return field_job(technician, manager, in_warranty=True)


def van_qty(job) -> int:
    return StockLevel.objects.get(part=job.part, warehouse=job.van, lot=LOT).on_hand


def status_of(job) -> str:
    job.request.refresh_from_db()
    return job.request.status


def check_in(job, **kw):
    return visit_check_in(actor=job.technician, request=job.request, **kw)


def diagnose(job, visit, charge_reason=ChargeReason.NONE, cause=None):
    return visit_diagnose(
        actor=job.technician,
        visit=visit,
        cause=cause or job.cause,
        inspection_result="压缩机不启动",
        solution="更换压缩机",
        charge_reason=charge_reason,
    )


def accept(job, quote, **kw):
    kw.setdefault("signer_name", job.customer.name)
    kw.setdefault("signature", signature_data_url())
    return quote_accept(actor=job.technician, quote=quote, **kw)


def use_part(job, visit, old_part=OldPart.RETURNED, **kw):
    return visit_part_use(
        actor=job.technician,
        visit=visit,
        part=job.part,
        quantity=1,
        lot=LOT,
        old_part=old_part,
        old_serial="OLD-1",
        **kw,
    )


def run_checks(job, visit, results=None):
    return visit_checks_record(
        actor=job.technician, visit=visit, results=results or passing_results(visit), care_instructions="每月清洗滤网"
    )


def sign(job, visit, **kw):
    kw.setdefault("signature", signature_data_url(seed=3))
    return visit_sign(actor=job.technician, visit=visit, signer_name=job.customer.name, **kw)


def fresh(visit) -> Visit:
    return Visit.objects.get(pk=visit.pk)


# --- the whole out-of-warranty repair -------------------------------------------------------------


def test_out_of_warranty_repair_from_check_in_to_completed(job):
    tech = job.technician
    assert status_of(job) == Status.ACCEPTED
    visit = check_in(job, latitude="31.2304", longitude=121.4737)
    year = timezone.localtime(visit.checked_in_at).year
    assert visit.number.startswith(f"SF{year}-") and visit.sequence == 1
    assert visit.status == VisitStatus.ON_SITE and visit.in_warranty is False and visit.technician == tech
    assert (visit.check_in_lat, visit.check_in_lng) == (Decimal("31.230400"), Decimal("121.473700"))
    assert status_of(job) == Status.IN_PROGRESS

    visit = diagnose(job, visit)  # asked "nothing chargeable", but out of warranty always is
    assert visit.status == VisitStatus.DIAGNOSED
    assert visit.charge_reason == ChargeReason.OUT_OF_WARRANTY and visit.fault == job.cause.fault
    assert status_of(job) == Status.IN_PROGRESS

    quote = quote_create(actor=tech, visit=visit, lines=quote_lines(job))
    assert (quote.status, quote.subtotal, quote.covered, quote.total) == (
        QuoteStatus.PENDING,
        Decimal("1730.00"),
        Decimal("0.00"),
        Decimal("1730.00"),
    )
    assert fresh(visit).status == VisitStatus.AWAITING_CONSENT
    assert status_of(job) == Status.WAITING_QUOTE

    quote = accept(job, quote)
    visit = fresh(visit)
    assert quote.status == QuoteStatus.ACCEPTED and quote.decided_at is not None
    assert visit.status == VisitStatus.WORKING and visit.customer_total == Decimal("1730.00")
    consent = Signature.objects.get(visit=visit, purpose=SignaturePurpose.QUOTE)
    assert consent.quote == quote and consent.role == SignerRole.CUSTOMER and consent.signer_name == job.customer.name
    assert consent.image.read().startswith(b"\x89PNG")
    assert status_of(job) == Status.IN_PROGRESS

    before = van_qty(job)
    used = use_part(job, visit, old_part=OldPart.RETURNED)
    assert van_qty(job) == before - 1
    assert isinstance(used.consumption, Consumption) and used.consumption.request_id == job.request.pk
    assert (used.consumption.warehouse, used.consumption.lot, used.consumption.quantity) == (job.van, LOT, 1)
    returned = DefectiveReturn.objects.get(consumption=used.consumption)
    assert returned.old_serial == "OLD-1" and returned.technician == tech

    visit = run_checks(job, visit)
    assert visit.tested_at is not None
    assert CheckRecord.objects.filter(visit=visit).count() == len(job.checks)
    sign(job, visit)
    visit = fresh(visit)
    assert form_missing(visit) == ["payment of 1730.00 CNY"]

    payment = payment_record(actor=tech, visit=visit, method=PaymentMethod.WECHAT, amount="1730", reference="WX1")
    assert payment.receipt_number.startswith(f"RC{year}-") and payment.amount == Decimal("1730.00")
    assert form_missing(fresh(visit)) == []

    visit = visit_check_out(actor=tech, visit=fresh(visit), outcome=Outcome.COMPLETED)
    visit = fresh(visit)
    assert visit.status == VisitStatus.DONE and visit.outcome == Outcome.COMPLETED
    assert visit.first_time_fix is True and visit.checked_out_at is not None
    assert Signature.objects.filter(visit=visit, role=SignerRole.TECHNICIAN, user=tech).count() == 1
    assert status_of(job) == Status.COMPLETED

    actions = set(
        AuditEvent.objects.filter(object_type="field.visit", object_id=str(visit.pk)).values_list("action", flat=True)
    )
    assert actions >= {
        "visit.check_in",
        "visit.diagnose",
        "quote.create",
        "quote.accept",
        "visit.part_use",
        "visit.checks",
        "visit.sign",
        "visit.payment",
        "visit.check_out",
    }
    notes = [e.text for e in job.request.events.filter(kind=ServiceRequestEvent.Kind.NOTE)]
    visit_notes = [n for n in notes if n.startswith(f"{visit.number}: ")]
    assert len(visit_notes) == 9  # check-in, diagnosis, quote, accepted, part, test, signed, paid, checked out
    # The one other note is the follow-up call the completion scheduled (feedback app).
    assert [n for n in notes if n not in visit_notes] == [
        n for n in notes if n.startswith("Follow-up call due")
    ] and len(notes) == 10


def test_old_part_kept_by_the_customer_opens_no_return(job):
    visit = check_in(job)
    diagnose(job, visit)
    accept(job, quote_create(actor=job.technician, visit=visit, lines=quote_lines(job)))
    used = use_part(job, visit, old_part=OldPart.CUSTOMER_KEEPS)
    assert used.old_part == OldPart.CUSTOMER_KEEPS
    assert not DefectiveReturn.objects.filter(consumption=used.consumption).exists()
    with pytest.raises(ValidationFailed) as exc:
        use_part(job, visit, old_part="thrown_away")
    assert "old_part" in exc.value.fields
    assert VisitPart.objects.count() == 1


# --- consent --------------------------------------------------------------------------------------


def test_no_work_before_the_customer_accepts_a_chargeable_quote(job):
    visit = check_in(job)
    with pytest.raises(IllegalVisitStep):  # not even diagnosed
        use_part(job, visit)
    visit = diagnose(job, visit)
    with pytest.raises(ConsentRequired):  # chargeable, no quote yet
        use_part(job, visit)
    quote_create(actor=job.technician, visit=visit, lines=quote_lines(job))
    with pytest.raises(ConsentRequired) as exc:  # quoted, not accepted
        use_part(job, visit)
    assert exc.value.code == "consent_required" and exc.value.status == 409
    with pytest.raises(ConsentRequired):
        run_checks(job, visit)
    with pytest.raises(ConsentRequired):
        sign(job, visit)
    assert van_qty(job) == 5
    assert not Consumption.objects.exists() and not VisitPart.objects.exists()
    assert not CheckRecord.objects.exists() and fresh(visit).tested_at is None
    assert fresh(visit).status == VisitStatus.AWAITING_CONSENT


# --- quotes and money -----------------------------------------------------------------------------


def test_quote_money_is_decimal_and_rounded(job):
    visit = diagnose(job, check_in(job))
    quote = quote_create(
        actor=job.technician,
        visit=visit,
        lines=[
            {"kind": LineKind.PART, "part": job.part.pk, "quantity": 1},  # the part's list price
            {"kind": LineKind.LABOUR, "description": "工时", "quantity": "1.5", "unit_price": "33.33"},
            {"kind": LineKind.OTHER, "description": "清洗", "quantity": 3, "unit_price": "0.10"},
        ],
    )
    lines = list(quote.lines.order_by("id"))
    assert [ln.amount for ln in lines] == [job.part.price, Decimal("50.00"), Decimal("0.30")]
    assert lines[0].description == job.part.name
    assert all(isinstance(ln.customer_amount, Decimal) for ln in lines)
    assert quote.subtotal == job.part.price + Decimal("50.30") == quote.total
    assert quote.covered == Decimal("0.00")


def test_covered_lines_refused_out_of_warranty(job):
    visit = diagnose(job, check_in(job))
    lines = quote_lines(job)
    lines[1]["covered"] = True
    with pytest.raises(ValidationFailed) as exc:
        quote_create(actor=job.technician, visit=visit, lines=lines)
    assert list(exc.value.fields) == ["lines.1.covered"]
    assert not Quote.objects.exists()
    assert fresh(visit).status == VisitStatus.DIAGNOSED and status_of(job) == Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"kind": "gift", "description": "x", "unit_price": "1"}, "lines.0.kind"),
        ({"kind": LineKind.PART, "unit_price": "1"}, "lines.0.part"),
        ({"kind": LineKind.PART, "part": 999999, "unit_price": "1"}, "lines.0.part"),
        ({"kind": LineKind.LABOUR, "description": "x", "quantity": 0, "unit_price": "1"}, "lines.0.quantity"),
        ({"kind": LineKind.LABOUR, "description": "x", "quantity": "NaN", "unit_price": "1"}, "lines.0.quantity"),
        ({"kind": LineKind.LABOUR, "description": "x", "quantity": "1e30", "unit_price": "1"}, "lines.0.quantity"),
        ({"kind": LineKind.LABOUR, "description": "x", "unit_price": "1e40"}, "lines.0.unit_price"),
        ({"kind": LineKind.LABOUR, "description": "x", "unit_price": "-1"}, "lines.0.unit_price"),
        ({"kind": LineKind.LABOUR, "description": "x"}, "lines.0.unit_price"),
        ({"kind": LineKind.LABOUR, "description": " ", "unit_price": "1"}, "lines.0.description"),
    ],
)
def test_bad_quote_lines_refused(job, line, field):
    visit = diagnose(job, check_in(job))
    with pytest.raises(ValidationFailed) as exc:
        quote_create(actor=job.technician, visit=visit, lines=[line])
    assert field in exc.value.fields
    assert not Quote.objects.exists()


def test_a_quote_larger_than_the_money_columns_is_refused(job):
    visit = diagnose(job, check_in(job))
    line = {"kind": LineKind.OTHER, "description": "x", "quantity": 1000, "unit_price": "1000000"}
    with pytest.raises(ValidationFailed) as exc:
        quote_create(actor=job.technician, visit=visit, lines=[dict(line) for _ in range(11)])
    assert "lines" in exc.value.fields
    assert not Quote.objects.exists() and fresh(visit).status == VisitStatus.DIAGNOSED
    quote = quote_create(actor=job.technician, visit=visit, lines=[dict(line) for _ in range(9)])
    assert quote.total == Decimal("9000000000.00")


def test_in_warranty_extra_items_with_covered_lines(warranty_job):
    job = warranty_job
    visit = check_in(job)
    assert visit.in_warranty is True
    with pytest.raises(ValidationFailed):  # in warranty, so not "out of warranty"
        diagnose(job, visit, ChargeReason.OUT_OF_WARRANTY)
    visit = diagnose(job, visit, ChargeReason.EXTRA_ITEMS)
    quote = quote_create(
        actor=job.technician,
        visit=visit,
        lines=[
            {"kind": LineKind.PART, "part": job.part, "quantity": 1, "unit_price": "1500.00", "covered": True},
            {"kind": LineKind.LABOUR, "description": "更换压缩机", "quantity": 2, "unit_price": "90", "covered": True},
            {"kind": LineKind.OTHER, "description": "深度清洗室内机", "quantity": 1, "unit_price": "120.00"},
        ],
    )
    assert (quote.subtotal, quote.covered, quote.total) == (Decimal("1800.00"), Decimal("1680.00"), Decimal("120.00"))
    assert [ln.customer_amount for ln in quote.lines.order_by("id")] == [
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("120.00"),
    ]
    accept(job, quote)
    assert fresh(visit).customer_total == Decimal("120.00")


def test_in_warranty_extras_quote_with_nothing_charged_is_refused(warranty_job):
    """The warranty pays every ticked line: a quote for extras must charge the customer something."""
    job = warranty_job
    visit = diagnose(job, check_in(job), ChargeReason.EXTRA_ITEMS)
    with pytest.raises(ValidationFailed) as exc:
        quote_create(
            actor=job.technician,
            visit=visit,
            lines=[{"kind": LineKind.LABOUR, "description": "更换压缩机", "unit_price": "80", "covered": True}],
        )
    assert "lines" in exc.value.fields
    assert not Quote.objects.exists() and fresh(visit).status == VisitStatus.DIAGNOSED


def test_quote_draft_is_covered_only_when_the_warranty_pays(warranty_job, technician, manager):
    from aftersales.field.selectors import LikelyPart, quote_draft_rows, quote_may_cover, quote_totals

    job = warranty_job
    likely = [LikelyPart(part=job.part)]
    fees = {"size": 6, "call_out_fee": "50.00", "labour_fee": "80.00"}
    visit = diagnose(job, check_in(job), ChargeReason.EXTRA_ITEMS)
    assert quote_may_cover(visit)
    rows = quote_draft_rows(visit, likely, **fees)
    assert len(rows) == 6
    assert [r["covered"] for r in rows] == [True, True, True, False, False, False]  # the repair, then extras
    totals = quote_totals(rows)
    assert totals.customer_pays == Decimal("0.00")
    assert totals.warranty_pays == totals.list_price == Decimal("130.00") + job.part.price
    rows[3] |= {"kind": LineKind.OTHER, "description": "深度清洗", "quantity": "1", "unit_price": "120"}
    totals = quote_totals(rows)
    assert (totals.customer_pays, totals.warranty_pays) == (Decimal("120.00"), Decimal("130.00") + job.part.price)
    # the same rows as the service counts them
    lines = [r | {"part": int(r["part"]) if r.get("part") else None} for r in rows if r["kind"]]
    quote = quote_create(actor=job.technician, visit=visit, lines=lines)
    assert (quote.subtotal, quote.covered, quote.total) == (
        totals.list_price,
        totals.warranty_pays,
        totals.customer_pays,
    )

    # damage caused by use, out of warranty: nothing is ticked, the customer pays the list price
    damaged = field_job(technician, manager, in_warranty=True)
    dvisit = diagnose(damaged, check_in(damaged), ChargeReason.CUSTOMER_DAMAGE)
    assert not quote_may_cover(dvisit)
    assert not any(r["covered"] for r in quote_draft_rows(dvisit, likely, **fees))
    out = field_job(technician, manager)
    ovisit = diagnose(out, check_in(out), ChargeReason.OUT_OF_WARRANTY)
    assert not any(r["covered"] for r in quote_draft_rows(ovisit, likely, **fees))
    bad = quote_totals([{"kind": "other", "quantity": "x", "unit_price": "1"}, {"kind": "", "unit_price": "5"}])
    assert bad.list_price == Decimal("0.00")


def test_in_warranty_customer_damage_cannot_be_covered(warranty_job):
    job = warranty_job
    visit = diagnose(job, check_in(job), ChargeReason.CUSTOMER_DAMAGE)
    with pytest.raises(ValidationFailed) as exc:
        quote_create(
            actor=job.technician,
            visit=visit,
            lines=[{"kind": LineKind.LABOUR, "description": "x", "unit_price": "50", "covered": True}],
        )
    assert "lines.0.covered" in exc.value.fields


def test_a_new_quote_replaces_the_pending_one(job):
    visit = diagnose(job, check_in(job))
    first = quote_create(actor=job.technician, visit=visit, lines=quote_lines(job))
    second = quote_create(actor=job.technician, visit=visit, lines=quote_lines(job)[1:])
    first.refresh_from_db()
    assert first.status == QuoteStatus.SUPERSEDED and second.status == QuoteStatus.PENDING
    assert second.total == Decimal("230.00")
    with pytest.raises(ConflictError):
        accept(job, first)
    assert status_of(job) == Status.WAITING_QUOTE


# --- warranty job ---------------------------------------------------------------------------------


def test_warranty_job_needs_no_quote_and_nothing_is_paid(warranty_job):
    job = warranty_job
    visit = diagnose(job, check_in(job))
    assert visit.charge_reason == ChargeReason.NONE
    with pytest.raises(IllegalVisitStep):
        quote_create(actor=job.technician, visit=visit, lines=quote_lines(job))
    use_part(job, visit, old_part=OldPart.DISPOSED)  # work starts at once
    visit = fresh(visit)
    assert visit.status == VisitStatus.WORKING and visit.work_started_at is not None
    assert visit.customer_total == Decimal("0.00") and van_qty(job) == 4
    run_checks(job, visit)
    sign(job, visit)
    with pytest.raises(ValidationFailed) as exc:
        payment_record(actor=job.technician, visit=visit, method=PaymentMethod.CASH, amount="10")
    assert exc.value.fields == {"amount": ["Nothing is owed on this visit."]}
    assert not Payment.objects.exists()
    visit = visit_check_out(actor=job.technician, visit=visit, outcome=Outcome.COMPLETED)
    assert fresh(visit).first_time_fix is True and status_of(job) == Status.COMPLETED
    assert not Quote.objects.exists()


# --- payments -------------------------------------------------------------------------------------


def _accepted(job):
    visit = diagnose(job, check_in(job))
    accept(job, quote_create(actor=job.technician, visit=visit, lines=quote_lines(job)))
    return fresh(visit)


@pytest.mark.parametrize("amount", ["0", "-5", "1730.01", "abc", "NaN", "Infinity", None])
def test_payment_amount_must_be_within_what_is_owed(job, amount):
    visit = _accepted(job)
    with pytest.raises(ValidationFailed) as exc:
        payment_record(actor=job.technician, visit=visit, method=PaymentMethod.CASH, amount=amount)
    assert "amount" in exc.value.fields
    assert not Payment.objects.exists()


def test_payments_in_parts_and_bad_method(job):
    visit = _accepted(job)
    with pytest.raises(ValidationFailed) as exc:
        payment_record(actor=job.technician, visit=visit, method="bitcoin", amount="1")
    assert "method" in exc.value.fields
    a = payment_record(actor=job.technician, visit=visit, method=PaymentMethod.CASH, amount="1000")
    b = payment_record(actor=job.technician, visit=visit, method=PaymentMethod.ALIPAY, amount=Decimal("730.00"))
    assert a.receipt_number != b.receipt_number
    assert visit_paid_total(visit) == Decimal("1730.00")
    with pytest.raises(ValidationFailed):
        payment_record(actor=job.technician, visit=visit, method=PaymentMethod.CASH, amount="0.01")


# --- the form must be complete --------------------------------------------------------------------


def test_incomplete_form_refused_with_the_missing_items(job):
    visit = _accepted(job)
    use_part(job, visit)
    with pytest.raises(FormIncomplete) as exc:
        visit_check_out(actor=job.technician, visit=visit, outcome=Outcome.COMPLETED)
    assert exc.value.fields["form"] == ["function test", "the customer's signature", "payment of 1730.00 CNY"]
    assert exc.value.code == "form_incomplete" and exc.value.status == 400
    assert "function test" in str(exc.value.message)
    run_checks(job, visit)
    sign(job, visit)
    with pytest.raises(FormIncomplete) as exc:
        visit_check_out(actor=job.technician, visit=visit, outcome=Outcome.COMPLETED)
    assert exc.value.fields["form"] == ["payment of 1730.00 CNY"]
    visit = fresh(visit)
    assert visit.status == VisitStatus.WORKING and visit.outcome == "" and status_of(job) == Status.IN_PROGRESS
    assert not Signature.objects.filter(role=SignerRole.TECHNICIAN).exists()


def test_a_failed_function_test_blocks_completion(warranty_job):
    job = warranty_job
    visit = diagnose(job, check_in(job))
    test_line = next(c for c in checks_for(visit) if c.kind == "test")
    results = passing_results(visit)
    results[test_line.pk] = {"result": CheckResult.FAIL}
    with pytest.raises(ValidationFailed) as exc:  # a failure needs a note
        run_checks(job, visit, results)
    assert list(exc.value.fields) == [f"check_{test_line.pk}"]
    results[test_line.pk] = {"result": CheckResult.FAIL, "note": "出风温度 18℃，未达标"}
    run_checks(job, visit, results)
    sign(job, visit)
    with pytest.raises(FormIncomplete) as exc:
        visit_check_out(actor=job.technician, visit=visit, outcome=Outcome.COMPLETED)
    assert exc.value.fields["form"] == ["a passed function test"]
    run_checks(job, visit)  # tested again after the fix: replaces the earlier results
    assert CheckRecord.objects.filter(visit=visit, result=CheckResult.FAIL).count() == 0
    visit_check_out(actor=job.technician, visit=visit, outcome=Outcome.COMPLETED)
    assert status_of(job) == Status.COMPLETED


def test_every_check_line_must_be_answered(warranty_job):
    job = warranty_job
    visit = diagnose(job, check_in(job))
    results = passing_results(visit)
    missing = next(iter(results))
    del results[missing]
    with pytest.raises(ValidationFailed) as exc:
        run_checks(job, visit, results)
    assert list(exc.value.fields) == [f"check_{missing}"]
    results = {str(k): "pass" for k in passing_results(visit)}  # string keys and bare answers (form posts)
    run_checks(job, visit, results)
    assert CheckRecord.objects.filter(visit=visit).count() == len(job.checks)


# --- second visit ---------------------------------------------------------------------------------


def test_second_visit_waiting_for_parts_then_completed(warranty_job, dispatcher):
    from aftersales.dispatch.services import appointment_create

    job = warranty_job
    first = diagnose(job, check_in(job))
    with pytest.raises(ValidationFailed) as exc:
        visit_check_out(actor=job.technician, visit=first, outcome=Outcome.SECOND_VISIT, reason="缺压缩机")
    assert "second_visit_reason" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        visit_check_out(
            actor=job.technician, visit=first, outcome=Outcome.SECOND_VISIT, second_visit_reason="waiting_parts"
        )
    assert "reason" in exc.value.fields
    visit_check_out(
        actor=job.technician,
        visit=first,
        outcome=Outcome.SECOND_VISIT,
        second_visit_reason=SecondVisitReason.WAITING_PARTS,
        reason="车上没有这款压缩机，已向中心库申请",
    )
    first = fresh(first)
    assert first.status == VisitStatus.DONE and first.outcome == Outcome.SECOND_VISIT
    assert first.first_time_fix is False
    assert status_of(job) == Status.WAITING_PARTS
    with pytest.raises(ConflictError):  # the request waits: no visit until it is scheduled again
        check_in(job)

    # The parts arrived: the office books the next visit, which schedules the request again.
    start = timezone.now() + datetime.timedelta(hours=2)
    appointment = appointment_create(
        actor=dispatcher, request=job.request, window_start=start, window_end=start + datetime.timedelta(hours=2)
    )
    assert status_of(job) == Status.SCHEDULED
    second = check_in(job)
    assert second.sequence == 2 and second.number != first.number and second.appointment == appointment
    assert status_of(job) == Status.IN_PROGRESS
    diagnose(job, second)
    use_part(job, second)
    run_checks(job, second)
    sign(job, second)
    visit_check_out(actor=job.technician, visit=second, outcome=Outcome.COMPLETED)
    second = fresh(second)
    assert second.first_time_fix is False and second.outcome == Outcome.COMPLETED
    assert status_of(job) == Status.COMPLETED


def test_second_visit_waiting_for_the_customer(job):
    visit = check_in(job)
    visit_check_out(
        actor=job.technician,
        visit=visit,
        outcome=Outcome.SECOND_VISIT,
        second_visit_reason=SecondVisitReason.WAITING_CUSTOMER,
        reason="客户不在家",
    )
    assert status_of(job) == Status.WAITING_CUSTOMER


def test_one_open_visit_per_job_and_only_when_the_job_is_ready(technician, manager, job):
    check_in(job)
    with pytest.raises(ConflictError) as exc:
        check_in(job)
    assert exc.value.code == "visit_open"
    assigned = field_job(technician, manager, stock_quantity=0)
    from aftersales.tickets.tests.paths import drive_to

    reassigned = drive_to(
        Status.ASSIGNED, users={Role.MANAGER: manager, Role.TECHNICIAN: technician}, customer=assigned.customer
    )
    assert reassigned.assigned_technician == technician
    with pytest.raises(ConflictError) as exc:
        visit_check_in(actor=technician, request=reassigned)
    assert exc.value.code == "request_state"
    assert Visit.objects.count() == 1


# --- quote declined -------------------------------------------------------------------------------


def test_quote_decline_cancels_the_request(job):
    visit = diagnose(job, check_in(job))
    quote = quote_create(actor=job.technician, visit=visit, lines=quote_lines(job))
    with pytest.raises(ValidationFailed) as exc:
        quote_decline(actor=job.technician, quote=quote, reason="  ")
    assert "reason" in exc.value.fields
    assert status_of(job) == Status.WAITING_QUOTE
    quote = quote_decline(actor=job.technician, quote=quote, reason="太贵了，不修了")
    visit = fresh(visit)
    assert quote.status == QuoteStatus.DECLINED and quote.decline_reason == "太贵了，不修了"
    assert visit.status == VisitStatus.DONE and visit.outcome == Outcome.QUOTE_DECLINED
    assert status_of(job) == Status.CANCELLED
    assert AuditEvent.objects.filter(action="quote.decline", object_id=str(visit.pk)).exists()
    with pytest.raises(ConflictError):
        accept(job, quote)


# --- who may act ----------------------------------------------------------------------------------


def test_only_the_jobs_technician_acts(job, make_user, dispatcher, manager, partner_technician, partner_user):
    other = make_user(Role.TECHNICIAN)
    for outsider in (other, partner_technician, partner_user, make_user(Role.CUSTOMER)):
        with pytest.raises(NotFoundError):
            visit_check_in(actor=outsider, request=job.request)
    for office in (dispatcher, manager):
        with pytest.raises(PermissionDeniedError):
            visit_check_in(actor=office, request=job.request)
    assert not Visit.objects.exists() and status_of(job) == Status.ACCEPTED

    visit = check_in(job)
    quote_lines_ = quote_lines(job)
    with pytest.raises(NotFoundError):
        visit_diagnose(actor=other, visit=visit, cause=job.cause, inspection_result="x", solution="y")
    with pytest.raises(PermissionDeniedError):
        visit_diagnose(actor=dispatcher, visit=visit, cause=job.cause, inspection_result="x", solution="y")
    diagnose(job, visit)
    with pytest.raises(NotFoundError):
        quote_create(actor=partner_technician, visit=visit, lines=quote_lines_)
    quote = quote_create(actor=job.technician, visit=visit, lines=quote_lines_)
    with pytest.raises(NotFoundError):
        quote_accept(actor=other, quote=quote, signer_name="x", signature=signature_data_url())
    with pytest.raises(PermissionDeniedError):
        quote_decline(actor=dispatcher, quote=quote, reason="x")
    accept(job, quote)
    with pytest.raises(NotFoundError):
        visit_part_use(actor=other, visit=visit, part=job.part, quantity=1, lot=LOT, old_part=OldPart.DISPOSED)
    with pytest.raises(PermissionDeniedError):
        payment_record(actor=dispatcher, visit=visit, method=PaymentMethod.CASH, amount="1")
    with pytest.raises(NotFoundError):
        visit_check_out(actor=other, visit=visit, outcome=Outcome.SECOND_VISIT, second_visit_reason="x")
    assert van_qty(job) == 5 and fresh(visit).status == VisitStatus.WORKING


def test_partner_technician_works_on_his_organizations_job(make_user, manager, partner_org):
    tech = make_user(Role.TECHNICIAN, organization=partner_org)
    job = field_job(tech, manager)
    assert job.request.assigned_organization == partner_org
    visit = check_in(job)
    assert visit.technician == tech
    own = make_user(Role.TECHNICIAN)
    with pytest.raises(NotFoundError):
        visit_diagnose(actor=own, visit=visit, cause=job.cause, inspection_result="x", solution="y")
    partner_boss = make_user(Role.PARTNER, organization=partner_org)
    with pytest.raises(PermissionDeniedError):
        visit_diagnose(actor=partner_boss, visit=visit, cause=job.cause, inspection_result="x", solution="y")


# --- bad input ------------------------------------------------------------------------------------


def test_diagnosis_needs_a_cause_a_finding_and_a_solution(job):
    visit = check_in(job)
    with pytest.raises(ValidationFailed) as exc:
        visit_diagnose(actor=job.technician, visit=visit, cause=None, inspection_result=" ", solution="")
    assert set(exc.value.fields) == {"cause", "inspection_result", "solution"}
    retired = FaultCauseFactory(fault=job.cause.fault, is_active=False)
    with pytest.raises(ValidationFailed) as exc:
        diagnose(job, visit, cause=retired)
    assert "cause" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        diagnose(job, visit, charge_reason="because")
    assert "charge_reason" in exc.value.fields
    assert fresh(visit).status == VisitStatus.ON_SITE and fresh(visit).fault_cause is None


def test_diagnosis_cause_from_another_products_fault_tree_refused(job, technician, manager):
    other = field_job(technician, manager, stock_quantity=0)  # another product category, its own tree
    visit = check_in(job)
    with pytest.raises(ValidationFailed) as exc:
        diagnose(job, visit, cause=other.cause)
    assert "cause" in exc.value.fields
    assert fresh(visit).status == VisitStatus.ON_SITE


@pytest.mark.parametrize(
    ("lat", "lng", "field"),
    [
        ("91", "121", "latitude"),
        ("-90.5", "121", "latitude"),
        ("31", "181", "longitude"),
        ("north", "121", "latitude"),
        ("31", "NaN", "longitude"),
        ("NaN", "121", "latitude"),
        ("Infinity", "121", "latitude"),
    ],
)
def test_bad_coordinates_refused(job, lat, lng, field):
    with pytest.raises(ValidationFailed) as exc:
        check_in(job, latitude=lat, longitude=lng)
    assert field in exc.value.fields
    assert not Visit.objects.exists() and status_of(job) == Status.ACCEPTED


def test_check_in_without_coordinates(job):
    visit = check_in(job)
    assert visit.check_in_lat is None and visit.check_in_lng is None


def _bad_signatures():
    import base64

    return {
        "missing": "",
        "jpeg": "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff\xe0fake").decode(),
        "not base64": "data:image/png;base64,@@@not-base64@@@",
        "gif bytes": data_url_of(b"GIF89a" + b"\x00" * 64),
        "blank canvas": blank_signature_data_url(),
        "white canvas": data_url_of(_white_png()),
        "tiny": signature_data_url(width=10, height=10),
        "too big": data_url_of(noisy_png_bytes()),
    }


def _white_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (200, 80), "white").save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "name", ["missing", "jpeg", "not base64", "gif bytes", "blank canvas", "white canvas", "tiny", "too big"]
)
def test_bad_signatures_refused(job, name):
    bad = _bad_signatures()[name]
    visit = diagnose(job, check_in(job))
    quote = quote_create(actor=job.technician, visit=visit, lines=quote_lines(job))
    with pytest.raises(ValidationFailed) as exc:
        accept(job, quote, signature=bad)
    assert "signature" in exc.value.fields
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PENDING and status_of(job) == Status.WAITING_QUOTE
    accept(job, quote)
    run_checks(job, visit)
    with pytest.raises(ValidationFailed) as exc:
        sign(job, visit, signature=bad)
    assert "signature" in exc.value.fields
    assert not Signature.objects.filter(purpose=SignaturePurpose.FORM).exists()


def test_nothing_is_added_to_a_closed_visit(warranty_job):
    job = warranty_job
    visit = diagnose(job, check_in(job))
    use_part(job, visit)
    run_checks(job, visit)
    sign(job, visit)
    visit_check_out(actor=job.technician, visit=visit, outcome=Outcome.COMPLETED)
    for call in (
        lambda: use_part(job, visit),
        lambda: run_checks(job, visit),
        lambda: sign(job, visit),
        lambda: visit_check_out(actor=job.technician, visit=visit, outcome=Outcome.COMPLETED),
    ):
        with pytest.raises(IllegalVisitStep):
            call()
    assert van_qty(job) == 4


# --- photos ---------------------------------------------------------------------------------------


def test_before_and_after_photos_are_the_jobs_attachments(job, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from aftersales.field.choices import PhotoPhase
    from aftersales.field.models import VisitPhoto
    from aftersales.field.services import visit_photos_add

    from .factories import signature_png_bytes

    def photo(name="before.png"):
        return SimpleUploadedFile(name, signature_png_bytes(), content_type="image/png")

    visit = check_in(job)
    photos = visit_photos_add(actor=job.technician, visit=visit, uploads=[photo(), photo()], phase=PhotoPhase.BEFORE)
    assert [p.phase for p in photos] == ["before", "before"]
    assert {p.attachment.request_id for p in photos} == {job.request.pk}
    with pytest.raises(ValidationFailed) as exc:
        visit_photos_add(actor=job.technician, visit=visit, uploads=[photo()], phase="during")
    assert "phase" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        visit_photos_add(actor=job.technician, visit=visit, uploads=[], phase=PhotoPhase.AFTER)
    assert "photos" in exc.value.fields
    text = SimpleUploadedFile("notes.txt", b"just text", content_type="text/plain")
    with pytest.raises(ValidationFailed) as exc:
        visit_photos_add(actor=job.technician, visit=visit, uploads=[photo(), text], phase=PhotoPhase.AFTER)
    assert "photos" in exc.value.fields
    with pytest.raises(NotFoundError):
        visit_photos_add(actor=make_user(Role.TECHNICIAN), visit=visit, uploads=[photo()], phase=PhotoPhase.AFTER)
    assert VisitPhoto.objects.count() == 2


def test_second_visit_continues_the_accepted_quote_and_the_money_adds_up(job, dispatcher):
    """Out of warranty, quote accepted and signed, then the part is missing: the next visit
    continues the same quote (no second signature), and the customer pays the quote once."""
    import subprocess

    from aftersales.dispatch.services import appointment_create
    from aftersales.field.pdf import service_form_pdf

    t = job.technician
    first = diagnose(job, check_in(job))
    quote = quote_create(actor=t, visit=first, lines=quote_lines(job))
    quote_accept(actor=t, quote=quote, signer_name="张伟", signature=signature_data_url())
    payment_record(actor=t, visit=fresh(first), method=PaymentMethod.CASH, amount="200.00")
    visit_check_out(
        actor=t,
        visit=first,
        outcome=Outcome.SECOND_VISIT,
        second_visit_reason=SecondVisitReason.WAITING_PARTS,
        reason="压缩机缺货",
    )
    first = fresh(first)
    assert first.customer_total == Decimal("200.00") == visit_paid_total(first)

    start = timezone.now() + datetime.timedelta(hours=2)
    appointment_create(
        actor=dispatcher, request=job.request, window_start=start, window_end=start + datetime.timedelta(hours=2)
    )
    second = fresh(check_in(job))
    assert second.status == VisitStatus.WORKING and second.fault_cause_id == first.fault_cause_id
    assert second.customer_total == Decimal("1530.00")  # 1730 − 200 paid on the first visit
    carried = second.quotes.get()
    assert carried.status == QuoteStatus.ACCEPTED and carried.total == quote.total
    assert carried.lines.count() == quote.lines.count()
    assert carried.signatures.get().signer_name == "张伟"
    use_part(job, second)
    run_checks(job, second)
    sign(job, second)
    payment_record(actor=t, visit=fresh(second), method=PaymentMethod.WECHAT, amount="1530.00")
    visit_check_out(actor=t, visit=second, outcome=Outcome.COMPLETED)
    second = fresh(second)
    assert visit_paid_total(first) + visit_paid_total(second) == quote.total
    assert status_of(job) == Status.COMPLETED

    for visit, expected in ((first, "1,530.00"), (second, "200.00")):
        pdf = service_form_pdf(visit, language="en")
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        assert expected in text


def test_timeline_notes_carry_the_time_of_the_step(job):
    at = timezone.now() - datetime.timedelta(hours=3)
    visit = visit_check_in(actor=job.technician, request=job.request, now=at)
    note = ServiceRequestEvent.objects.filter(request=job.request, kind=ServiceRequestEvent.Kind.NOTE).latest("id")
    assert visit.number in note.text and note.at == at


def test_checking_out_closes_the_booked_visit_so_the_next_one_is_booked_afresh(warranty_job, dispatcher):
    from aftersales.dispatch.models import Appointment
    from aftersales.dispatch.services import appointment_create

    job = warranty_job
    start = timezone.now() + datetime.timedelta(hours=1)
    booked = appointment_create(
        actor=dispatcher, request=job.request, window_start=start, window_end=start + datetime.timedelta(hours=2)
    )
    first = check_in(job)
    assert first.appointment == booked
    visit_check_out(
        actor=job.technician,
        visit=first,
        outcome=Outcome.SECOND_VISIT,
        second_visit_reason=SecondVisitReason.WAITING_PARTS,
        reason="缺电源板",
    )
    assert Appointment.objects.get(pk=booked.pk).status == "visited"
    later = start + datetime.timedelta(days=2)
    again = appointment_create(
        actor=dispatcher, request=job.request, window_start=later, window_end=later + datetime.timedelta(hours=2)
    )
    second = check_in(job)
    assert second.appointment == again
    diagnose(job, second)
    run_checks(job, second)
    sign(job, second)
    visit_check_out(actor=job.technician, visit=second, outcome=Outcome.COMPLETED)
    assert Appointment.objects.get(pk=again.pk).status == "visited"
