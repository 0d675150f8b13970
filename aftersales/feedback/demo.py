"""Demo follow-ups, surveys and remedies (see ``core.demos``), relative to now.

- ``demo_reference``: two more agents (``agent2``, ``agent3``, the demo password) so that calls are
  spread over three, and the first survey version.
- ``demo_load``: the requests the apps below completed got their follow-up calls when they were
  completed (``tickets.slots.REQUEST_COMPLETED``). Here the calls are made, through the services,
  at plausible times inside their windows: most reached with the survey taken in the call
  (satisfaction about 92 %), some after a retry, a few not reached (the survey link: answered,
  still open, or expired), a wrong number and a refusal. A dissatisfied answer opens its remedy;
  the older remedies have their outcome and the customer was asked again; the newest stays open.
  Calls whose window is still open stay on the agents' lists (a few due soon, one overdue).

The words are Chinese on purpose (what the customers say) and are not translated.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.accounts.models import Organization, User
from aftersales.core.demos import DemoContext, weighted
from aftersales.tickets.choices import Status
from aftersales.tickets.demo import OFFICE_HOURS, within_hours

from .choices import CallOutcome, FollowUpStatus, RemedyStatus
from .models import FollowUp, Remedy, Survey
from .selectors import policy_get, template_questions
from .services import (
    followup_record,
    remedy_resolve,
    survey_answer_link,
    survey_expire_due,
    template_default_ensure,
)
from .window import followup_window

DEMO_ORDER = 88
MORE_AGENTS = [("agent2", "王", "芳"), ("agent3", "陈", "静")]

OVERALL_WEIGHTS = {5: 62, 4: 35, 3: 2, 2: 0.7, 1: 0.3}
GOOD_COMMENTS = ["师傅很专业，讲解也清楚", "上门准时，服务态度好", "修好了，谢谢", "", "", "很满意", "效率很高，点赞"]
BAD_COMMENTS = {
    "late": "约好上午来，下午三点才到，也没提前打电话",
    "not_fixed": "修完第二天又出现同样的问题",
    "attitude": "师傅有点不耐烦，问多了就不高兴",
    "price": "收费比电话里说的高",
    "mess": "走的时候地上全是灰，没有清理",
}
OUTCOME_NOTES = {
    "late": ("explained", "已向客户致歉，说明当天前序工单延误；赠送一次免费保养。"),
    "not_fixed": ("fixed", "安排原技师二次上门，更换主板后测试正常，客户确认。"),
    "attitude": ("explained", "主管电话致歉，对技师进行服务规范再培训。"),
    "price": ("compensated", "核对报价单，多收的上门费已退还客户。"),
    "mess": ("explained", "致歉并安排保洁上门清理。"),
    "": ("explained", "回访沟通，客户表示理解。"),
}


def demo_reference(ctx: DemoContext) -> None:
    from aftersales.accounts.demo import DEMO_PASSWORD, OWN_ORG
    from aftersales.accounts.services import user_create

    org = Organization.objects.filter(name=OWN_ORG).first()
    if org is not None:
        for username, last, first in MORE_AGENTS:
            if not User.objects.filter(username=username).exists():
                user_create(
                    actor=None,
                    username=username,
                    password=DEMO_PASSWORD,
                    role=Role.AGENT,
                    organization=org,
                    last_name=last,
                    first_name=first,
                    email=f"{username}@demo.aftersales.local",
                )
    template_default_ensure()
    # The requests' demo (below this app) makes the history's follow-up calls inside their window.
    ctx.data["followup_window"] = followup_window


def demo_present() -> bool:
    return Survey.objects.exists()


def _answers(
    rng: random.Random, template, service_type: str, overall: int | None = None, *, return_visit: bool = True
) -> dict:
    overall = overall or weighted(rng, OVERALL_WEIGHTS)
    answers: dict = {"overall": overall}
    for name in ("tangibles", "reliability", "responsiveness", "assurance", "empathy"):
        spread = (-1, 0, 0, 0, 0, 1, 1) if overall >= 4 else (-1, 0, 1, 1)
        answers[name] = max(1, min(5, overall + rng.choice(spread)))
    answers["recommend"] = {5: rng.choice((9, 10, 10)), 4: rng.choice((7, 8, 9)), 3: rng.choice((5, 6, 7))}.get(
        overall, rng.randint(0, 4)
    )
    if overall >= 4:
        answers["reasons"] = rng.sample(["punctual", "professional", "friendly"], k=rng.randint(0, 2))
        answers["comment"] = rng.choice(GOOD_COMMENTS)
    else:
        # "Not fixed" reopens the request: only where the request's story allows it (still completed).
        reason = rng.choice([r for r in BAD_COMMENTS if return_visit or r != "not_fixed"])
        answers["reasons"] = [reason]
        answers["comment"] = BAD_COMMENTS[reason]
    extra = {}
    for q in template_questions(template, service_type):
        if q.kind == "yes_no":
            extra[str(q.pk)] = "yes" if overall >= 4 or rng.random() < 0.3 else "no"
    answers["extra"] = extra
    return answers


def _call_time(rng: random.Random, followup: FollowUp, now: dt.datetime) -> dt.datetime:
    """When the agent called: mostly early in the window, now and then a little late; in working hours."""
    span = (followup.due_by - followup.due_from).total_seconds()
    if rng.random() < 0.06:
        moment = followup.due_by + dt.timedelta(hours=rng.uniform(1, 20))
    else:
        moment = followup.due_from + dt.timedelta(seconds=rng.uniform(0, 0.7) * span)
    # In the call centre's hours, before now and not before the window opened (``due_from`` lies in working hours).
    latest = max(now - dt.timedelta(minutes=rng.randint(20, 300)), followup.due_from + (now - followup.due_from) / 2)
    return max(within_hours(rng, moment, OFFICE_HOURS, before=latest), followup.due_from)


def _make_calls(rng: random.Random, followup: FollowUp, now: dt.datetime, *, plan: str) -> FollowUp:
    agent = followup.agent or User.objects.filter(role=Role.AGENT, is_active=True).first()
    moment = max(_call_time(rng, followup, now), followup.completed_at + dt.timedelta(hours=1))
    request = followup.request
    return_visit = request.status == Status.COMPLETED
    if not return_visit:
        # The apps below already recorded "followed up" on the request: that was the call (when it
        # was made inside the window).
        recorded = (
            request.events.filter(kind="transition", action="follow_up", at__gte=followup.completed_at)
            .order_by("at")
            .values_list("at", flat=True)
            .first()
        )
        if recorded is not None and followup.due_from <= recorded <= followup.due_by:
            moment = recorded
    template = followup.template
    service_type = request.service_type
    if plan == "retry_then_reached":
        followup = followup_record(actor=agent, followup=followup, outcome=CallOutcome.NO_ANSWER, now=moment)
        moment = followup.next_call_at + dt.timedelta(minutes=rng.randint(0, 90))
        if moment >= now:
            return followup
    if plan in ("link_answered", "link_open", "link_expired"):
        for n in range(policy_get().max_attempts):
            outcome = rng.choice((CallOutcome.NO_ANSWER, CallOutcome.BUSY))
            followup = followup_record(actor=agent, followup=followup, outcome=outcome, now=moment)
            if followup.status != FollowUpStatus.OPEN:
                break
            moment = followup.next_call_at + dt.timedelta(minutes=rng.randint(0, 60))
            if moment >= now and n + 1 < policy_get().max_attempts:
                return followup
        survey = Survey.objects.filter(followup=followup).first()
        if plan == "link_answered" and survey is not None:
            answered = moment + dt.timedelta(hours=rng.uniform(1, 30))
            if answered < min(now, survey.expires_at):
                survey_answer_link(
                    survey=survey,
                    answers=_answers(rng, template, service_type, return_visit=return_visit),
                    now=answered,
                )
        return followup
    if plan == "not_fixed":
        answers = {**_answers(rng, template, service_type, overall=2), "reasons": ["not_fixed"]}
        answers["comment"] = BAD_COMMENTS["not_fixed"]
        return followup_record(actor=agent, followup=followup, outcome=CallOutcome.REACHED, answers=answers, now=moment)
    if plan in ("wrong_number", "refused"):
        outcome = CallOutcome.WRONG_NUMBER if plan == "wrong_number" else CallOutcome.REFUSED
        note = "号码为空号" if plan == "wrong_number" else "客户表示很忙，不接受回访"
        return followup_record(actor=agent, followup=followup, outcome=outcome, note=note, now=moment)
    return followup_record(
        actor=agent,
        followup=followup,
        outcome=CallOutcome.REACHED,
        answers=_answers(rng, template, service_type, return_visit=return_visit),
        now=moment,
    )


PLANS = {
    "reached": 82,
    "retry_then_reached": 8,
    "link_answered": 4,
    "link_expired": 2,
    "wrong_number": 2,
    "refused": 2,
}


def demo_load(ctx: DemoContext) -> None:
    rng = ctx.rng("feedback")
    now = timezone.now()
    template_default_ensure()
    waiting = list(
        FollowUp.objects.filter(status=FollowUpStatus.OPEN)
        .select_related("request", "template", "agent")
        .order_by("due_by", "id")
    )
    past = [f for f in waiting if f.due_by < now - dt.timedelta(hours=12)]
    # The latest overdue call stays on the list (with one unanswered try), the rest were made:
    # the one before it was not reached (the survey link is still open), the one before that
    # reached a customer whose problem came back (a return visit).
    overdue = past.pop() if past else None
    special = {}
    if past:
        special[past[-1].pk] = "link_open"
    still_completed = [f for f in past[:-1] if f.request.status == Status.COMPLETED]
    if still_completed:
        special[still_completed[-1].pk] = "not_fixed"
    plans = list(PLANS)
    made = 0
    for followup in past:
        plan = special.get(followup.pk) or (weighted(rng, PLANS) if made >= len(plans) else plans[made])
        _make_calls(rng, followup, now, plan=plan)
        made += 1
    if overdue is not None:
        moment = max(overdue.due_from, now - dt.timedelta(days=1))
        followup_record(
            actor=overdue.agent, followup=overdue, outcome=CallOutcome.NO_ANSWER, note="无人接听", now=moment
        )
    # Calls made already inside windows that are still open (the early birds of today).
    for followup in [f for f in waiting if f.due_by >= now - dt.timedelta(hours=12) and f.due_from < now]:
        if rng.random() < 0.8:
            _make_calls(rng, followup, now, plan="reached")
            made += 1
    _remedies(rng, now)
    _remedy_complaints(rng, now)
    _due_soon(ctx, rng, now)
    survey_expire_due(now=now)
    ctx.log(
        f"{made} follow-up calls made, {Survey.objects.filter(status='answered').count()} surveys answered, "
        f"{Remedy.objects.count()} remedies ({Remedy.objects.filter(status=RemedyStatus.OPEN).count()} open)"
    )


def _remedies(rng: random.Random, now: dt.datetime) -> None:
    """The older remedies had their outcome recorded and the customer was asked again; the newest
    stays open for the quality team."""
    quality = User.objects.filter(role=Role.QUALITY, is_active=True).order_by("id").first()
    remedies = list(
        Remedy.objects.filter(status=RemedyStatus.OPEN).select_related("survey", "request").order_by("created_at")
    )
    for remedy in remedies[:-1]:
        resolved = remedy.created_at + dt.timedelta(hours=rng.uniform(3, 40))
        if remedy.created_at >= now - dt.timedelta(days=3) or resolved >= now - dt.timedelta(hours=6):
            continue  # the recent ones are still being handled
        if remedy.kind == "return_visit" and remedy.request.status == "reopened":
            continue  # the technician has not been back yet
        actor = remedy.assignee or quality
        reason = (remedy.survey.reasons or [""])[0]
        outcome, note = OUTCOME_NOTES.get(reason, OUTCOME_NOTES[""])
        remedy_resolve(actor=actor, remedy=remedy, outcome=outcome, note=note, now=resolved)
        recheck = FollowUp.objects.filter(remedy=remedy, status=FollowUpStatus.OPEN).select_related("template").first()
        if recheck is None:
            continue
        asked = max(recheck.due_from, resolved) + dt.timedelta(hours=rng.uniform(2, 20))
        if asked < now:
            followup_record(
                actor=recheck.agent,
                followup=recheck,
                outcome=CallOutcome.REACHED,
                answers=_answers(rng, recheck.template, recheck.request.service_type, overall=rng.choice((4, 5, 5))),
                now=asked,
            )


def _remedy_complaints(rng: random.Random, now: dt.datetime) -> None:
    """The complaints the dissatisfied answers opened (in the complaints app) were handled like the others:
    answered well within their deadline and, once the customer accepted, followed up and closed; the ones
    of the last day are being investigated."""
    from aftersales.complaints.models import Complaint
    from aftersales.complaints.services import (
        complaint_assign,
        complaint_close,
        complaint_follow_up,
        complaint_note,
        complaint_propose,
        complaint_respond,
    )

    handler = User.objects.filter(role=Role.QUALITY, is_active=True).order_by("id").first()
    if handler is None:
        return
    for complaint in Complaint.objects.filter(source="survey", status="open").order_by("created_at", "id"):
        start = complaint.created_at
        limit = min(complaint.due_at, now) - start
        at = [start + limit * share for share in (0.1, 0.4, 0.5, 0.6, 0.7)]
        complaint = complaint_assign(actor=handler, complaint=complaint, investigator=handler, now=at[0])
        if now - start < dt.timedelta(days=1):
            complaint_note(actor=handler, complaint=complaint, text="已电话联系客户，正在核实情况。", now=at[1])
            continue
        complaint = complaint_propose(
            actor=handler,
            complaint=complaint,
            investigation="已核实：回访中客户反映的问题属实。",
            solution=rng.choice(["主管电话致歉，并赠送一次免费保养。", "退还多收费用，并对技师进行服务规范培训。"]),
            now=at[2],
        )
        done = start + min(now - start, dt.timedelta(days=3)) * 0.8
        complaint = complaint_respond(actor=handler, complaint=complaint, accepted=True, note="客户接受。", now=at[3])
        complaint = complaint_follow_up(
            actor=handler,
            complaint=complaint,
            note="回访：客户表示满意。",
            now=max(at[4], done - dt.timedelta(hours=2)),
        )
        complaint_close(
            actor=handler, complaint=complaint, lessons="回访发现的问题当天转投诉处理，闭环跟进。", now=done
        )


# --- a few calls due soon ------------------------------------------------------------------------

WALK = ("acknowledge", "assign", "accept", "schedule", "start", "complete")
WALK_MINUTES = (20, 60, 30, 45, 24 * 60, 90)


def _due_soon_times(now: dt.datetime, count: int = 3) -> list[dt.datetime]:
    """Completion times whose call can be made now and is due soonest (today on a working day)."""
    found: list[tuple[dt.datetime, dt.datetime]] = []
    base = now.replace(minute=0, second=0, microsecond=0)
    for hours in range(26, 24 * 12):
        completed = base - dt.timedelta(hours=hours)
        if not 9 <= timezone.localtime(completed).hour < 18:
            continue  # completed in working hours
        window = followup_window(completed, "repair")
        if window is None:
            return []
        if window.due_from <= now - dt.timedelta(hours=1) and window.due_by > now + dt.timedelta(hours=1):
            found.append((window.due_by, completed))
    chosen: list[dt.datetime] = []
    last_due = None
    for due_by, completed in sorted(found):
        if last_due is None or due_by - last_due >= dt.timedelta(hours=2):
            chosen.append(completed)
            last_due = due_by
        if len(chosen) == count:
            break
    return chosen


def _due_soon(ctx: DemoContext, rng: random.Random, now: dt.datetime) -> int:
    from aftersales.tickets.demo import demo_reference_get, problem_description
    from aftersales.tickets.services import request_create, request_transition

    customers = ctx.data.get("customers") or []
    if not customers or "users" not in ctx.data:
        return 0
    ref = demo_reference_get(ctx)
    units = ctx.data.get("units", {})
    specs = {p.product.pk: p for p in ref.products}
    made = 0
    coverage = ctx.data.get("coverage") or {}
    covered = [c for c in customers if c.region.region.code in coverage] or customers
    for completed in _due_soon_times(now):
        demo_customer = rng.choice(covered)
        customer = demo_customer.customer
        unit = (units.get(customer.pk) or [None])[0]
        spec = specs.get(unit.product_id) if unit is not None else rng.choice(ref.products)
        technician = rng.choice(coverage.get(demo_customer.region.region.code) or ref.technicians)
        at = completed - dt.timedelta(minutes=sum(WALK_MINUTES) + 30)
        request = request_create(
            actor=ref.users["agent"],
            customer=customer,
            channel="phone",
            service_type="repair",
            description=problem_description(rng, "repair", spec),
            unit=unit,
            product=spec.product if unit is None and spec is not None else None,
            now=at,
        )
        for action, minutes in zip(WALK, WALK_MINUTES, strict=True):
            at = completed if action == "complete" else at + dt.timedelta(minutes=minutes)
            actor = (
                ref.users["dispatcher"]
                if action == "assign"
                else ref.users["agent"]
                if action == "acknowledge"
                else technician
            )
            request = request_transition(
                actor=actor,
                request=request,
                action=action,
                technician=technician if action == "assign" else None,
                reason="更换损坏部件后测试正常" if action == "complete" else "",
                now=at,
                by_owner=True,
            )
        made += 1
    return made
