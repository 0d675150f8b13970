"""Demo training data (``manage.py demo_data``), relative to now, a healthy picture:

- the courses of seed 002 (§6: service philosophy monthly, case analysis quarterly, customer
  psychology yearly; §7 drills: complaint handling monthly, product knowledge half-yearly) and a
  gas water-heater installation course that certifies the skill for 12 months;
- held and closed sessions over the last months with attendance and exam scores; the case-analysis
  sessions analyse published cases of the library;
- so: most people up to date, a few due this month, one overdue (excused from the last philosophy
  session) and one overdue after failing the product exam; one certification expiring within 30 days
  (its reminder sent), one lapsed (that technician gets no water-heater installations);
- sessions planned for the coming weeks.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from aftersales.accounts.choices import Role
from aftersales.catalog.models import ProductCategory
from aftersales.catalog.warranty import add_months
from aftersales.quality.models import Case
from aftersales.tickets.choices import ServiceType

from .choices import CourseKind, Presence
from .models import Course
from .selectors import audience_people, month_end
from .services import attendance_record, certification_sweep, course_create, session_plan, session_transition

DEMO_ORDER = 97

STAFF = [Role.TECHNICIAN, Role.AGENT, Role.DISPATCHER, Role.QUALITY]


def demo_present() -> bool:
    return Course.objects.exists()


def _at(days_ago: int, hour: int = 14) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _session(actor, course, days_ago, *, place="总部三楼培训室", cases=(), results=None, trainer=None, hour=14):
    """A session ``days_ago`` days back, held and closed with ``results`` {person: (presence, score)}
    (default: everybody of the audience present, score 88)."""
    session = session_plan(
        actor=actor, course=course, starts_at=_at(days_ago, hour), place=place, cases=cases, trainer=trainer
    )
    if days_ago < 0:
        return session
    session_transition(actor=actor, session=session, action="hold")
    people = list(audience_people(course))
    results = results or {}
    rows = []
    for n, p in enumerate(people):
        presence, score = results.get(p.username, (Presence.PRESENT, 80 + (n * 7) % 20))
        if course.pass_score is None and presence == Presence.PRESENT and p.username not in results:
            score = None
        rows.append((p, presence, score))
    attendance_record(actor=actor, session=session, rows=rows)
    session_transition(actor=actor, session=session, action="close")
    return session


def demo_load(ctx) -> None:
    users = ctx.data.get("users") or {}
    actor = users.get("qmanager") or users.get("manager")
    if actor is None:
        ctx.log("training skipped: no quality manager")
        return
    trainer = users.get("quality") or actor
    heater = ProductCategory.objects.filter(code="WATERHEATER").first()
    courses = {
        "philosophy": course_create(
            actor=actor,
            title="服务理念集体学习：顾客至上",
            kind=CourseKind.PHILOSOPHY,
            audience=STAFF,
            description="每月一次集体学习：顾客至上、诚信服务、服务热情与反馈机制（种子文件 002 §1、§6）。",
        ),
        "cases": course_create(
            actor=actor,
            title="优秀案例分析小组研讨",
            kind=CourseKind.CASE_ANALYSIS,
            audience=[Role.TECHNICIAN, Role.AGENT, Role.QUALITY],
            description="每季一次：分享成功案例、剖析失败案例，形成教训档案（002 §7）。",
        ),
        "product": course_create(
            actor=actor,
            title="产品知识培训与考核",
            kind=CourseKind.PRODUCT,
            audience=[Role.TECHNICIAN, Role.AGENT],
            pass_score=70,
            description="每半年一次：新品结构、常见故障与保养要点，闭卷考试 70 分合格。",
        ),
        "drill": course_create(
            actor=actor,
            title="投诉处理演练",
            kind=CourseKind.COMPLAINT_DRILL,
            audience=[Role.AGENT, Role.QUALITY],
            description="每月一次角色扮演：服务态度类 24 小时内、产品质量类 48 小时内答复。",
        ),
        "psychology": course_create(
            actor=actor,
            title="顾客心理分析专题讲座",
            kind=CourseKind.PSYCHOLOGY,
            audience=[Role.AGENT, Role.QUALITY],
        ),
    }
    if heater is not None:
        courses["heater"] = course_create(
            actor=actor,
            title="燃气热水器安装资质培训",
            kind=CourseKind.SKILLS,
            audience=[Role.TECHNICIAN],
            pass_score=80,
            certifies_service_type=ServiceType.INSTALLATION,
            certifies_category=heater,
            validity_months=12,
            certification_required=True,
            description="实操与笔试，80 分合格；证书有效期 12 个月，过期后不再派燃气热水器安装单。",
        )
    cases = list(Case.objects.filter(status="published").order_by("id")[:3])
    c = courses
    # Service philosophy, monthly: the last three months; one agent was excused from the last one.
    for days in (62, 32):
        _session(actor, c["philosophy"], days, trainer=trainer)
    _session(actor, c["philosophy"], 3, trainer=trainer, results={"agent": (Presence.EXCUSED, None)})
    # Case analysis, quarterly, the cases of the library: the last one three months before a day early
    # next month, so the quarter's session falls due next month whatever today's date.
    today = timezone.localdate()
    last = add_months(month_end(today) + dt.timedelta(days=10), -3)
    for day in (add_months(last, -3), last):
        _session(actor, c["cases"], (today - day).days, cases=cases, trainer=trainer, hour=10)
    # Product knowledge, half-yearly, with an exam: one technician failed the last one.
    _session(actor, c["product"], 330, trainer=trainer)
    _session(actor, c["product"], 150, trainer=trainer, results={"tech3": (Presence.PRESENT, 58)})
    # Drills and the lecture.
    _session(actor, c["drill"], 40, place="客服中心")
    _session(actor, c["drill"], 9, place="客服中心")
    _session(actor, c["psychology"], 200, place="线上直播")
    if "heater" in c:
        everyone_absent = {p.username: (Presence.ABSENT, None) for p in audience_people(c["heater"])}
        # A year ago: tech4 passed (lapsed since); 345 days ago: tech2 passed (expires within 30 days);
        # two months ago: everybody else.
        _session(
            actor, c["heater"], 380, place="实训基地", results={**everyone_absent, "tech4": (Presence.PRESENT, 86)}
        )
        _session(
            actor, c["heater"], 345, place="实训基地", results={**everyone_absent, "tech2": (Presence.PRESENT, 91)}
        )
        recent = {"tech2": (Presence.ABSENT, None), "tech4": (Presence.ABSENT, None)}
        _session(actor, c["heater"], 60, place="实训基地", results=recent)
        _session(actor, c["heater"], -10, place="实训基地")
    # Planned: next philosophy session and the quarter's case analysis.
    _session(actor, c["philosophy"], -25, trainer=trainer)
    _session(actor, c["cases"], -6, cases=cases, trainer=trainer, hour=10)
    told = certification_sweep()
    ctx.log(f"{len(courses)} courses; certification notices: {told}")
