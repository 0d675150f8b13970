"""Demo service requests (see ``core.demos``).

- ``demo_load``: ~300 requests for the demo set's customers (``ctx.data["customers"]``, their units in
  ``ctx.data["units"]``), filed through ``request_create`` and moved through ``request_transition``
  along legal paths, backdated step by step, relative to now: a healthy department on a normal day.
  The history (closed, cancelled, followed up) over the last weeks and months, answered within
  minutes and visited within the day (a few visits late, escalated meanwhile), each step in the hours
  its people work (``OFFICE_HOURS``, ``SITE_HOURS``), the follow-up call inside its window; the open requests
  filed over the last hours and days, placed in time by the SLA engine so that about 80 % are on
  time, 12 % at risk and 6 % breached; for each technician six accepted jobs in the regions he
  serves, which ``dispatch.demo`` books today and tomorrow. Everything goes through the services,
  so the demo also exercises the invariants, the timeline and the audit trail. Options:
  ``requests`` (300: the total; the open requests and the technicians' jobs come first).
- ``demo_bulk``: scale mode (``demo_data --requests N``), see ``tickets.demo_bulk``. Options:
  ``batch_size`` (5000), ``events`` (True).

The words are Chinese on purpose (what users of the product type) and are not translated.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from aftersales.accounts.models import User
from aftersales.catalog.demo import ProductSpec
from aftersales.core.demos import DemoContext, demo_run, weighted
from aftersales.customers.demo import RegionSpec
from aftersales.customers.models import Customer

from .choices import Action, Channel, Priority, ServiceType, Status
from .models import ServiceRequest
from .services import request_create, request_transition

DEMO_ORDER = 40
SMALL_REQUESTS = 1400
DAY_MINUTES = 24 * 60

# category code -> problem descriptions for repairs
PROBLEMS = {
    "SOFA": ["沙发皮面开裂，扶手处起皮", "坐垫塌陷，坐下去有明显的坑", "沙发框架有异响，一坐就吱吱响",
             "电动功能失灵，按键后靠背不动", "布艺面料起球严重，才用了半年", "沙发脚松动，整体晃动"],
    "MATTRESS": ["床垫中间塌陷，睡醒腰疼", "弹簧有异响，翻身就响", "床垫有异味，开窗通风一周仍未散去",
                 "面料开线，边角鼓包", "床垫尺寸与床架不符，差了约两公分"],
    "WARDROBE": ["衣柜推拉门卡顿，滑轨脱落", "柜门合页松动，门关不严", "柜体板材起鼓开裂",
                 "隔板下沉变形，放衣服后弯曲", "衣柜有甲醛味，想做检测", "抽屉轨道损坏，抽不出来"],
    "DINING": ["餐桌岩板台面有裂纹", "餐椅椅腿松动，坐着晃", "转盘转动不顺，有摩擦声", "桌面漆面起泡脱落"],
    "AC": ["空调不制冷，出风是热风", "室内机漏水，滴到地板上", "外机噪音很大，邻居投诉", "开机显示E1故障代码",
           "制热效果差，房间温度上不去", "遥控器失灵，面板无反应", "空调有异味，开机一股霉味"],
    "FRIDGE": ["冰箱冷藏室不制冷", "冷冻室结霜严重", "压缩机频繁启动，噪音大", "冰箱门封条老化漏冷",
               "显示屏报F3故障", "冰箱内部有水流到地上"],
    "WASHER": ["洗衣机不排水，显示E21", "脱水时机器剧烈晃动", "滚筒门打不开", "洗衣机漏水", "不进水，一直显示加水中",
               "烘干功能不热"],
    "WATERHEATER": ["热水器打不着火", "出水忽冷忽热", "热水器漏水", "显示E5故障代码", "加热很慢，要等一个多小时"],
    "TV": ["电视开机黑屏，有声音没图像", "屏幕出现竖线", "遥控器失灵，无法开机", "WiFi连不上，智能功能无法使用",
           "画面闪烁，偶尔自动关机", "HDMI接口无信号"],
    "PARTS": ["配件到货后尺寸不符", "更换后仍然报故障", "配件外包装破损，内部零件变形", "压缩机组件运行噪音异常"],
}  # fmt: skip

INSTALLATION = {
    "furniture": ["新买的{name}已到货，需要上门安装", "搬新家，{name}需要拆装移机", "{name}组装，请安排师傅"],
    "appliance": ["新购{name}，预约上门安装", "{name}移机，从客厅移到卧室", "{name}需要安装并检查管路"],
    "electronics": ["{name}需要挂墙安装，已买原装挂架", "{name}到货，预约安装调试"],
    "parts": ["{name}到货，需要技术人员上门更换"],
}
MAINTENANCE = {
    "furniture": ["{name}保养护理，皮面清洁上油", "{name}年度保养检查"],
    "appliance": ["{name}深度清洗保养", "{name}换季保养，清洗滤网", "{name}年度检修"],
    "electronics": ["{name}系统升级和画面调试"],
    "parts": ["{name}定期更换检查"],
}
CONSULTATIONS = [
    "咨询{name}保修期多久，发票丢了还能保修吗", "{name}怎么清洁保养比较好", "{name}能否延长保修，费用多少",
    "想了解{name}的使用方法，说明书看不懂", "{name}的配件在哪里可以买到", "咨询{name}以旧换新活动",
]  # fmt: skip
RETURNS = [
    "收货发现{name}有划痕，要求换货", "{name}颜色与下单不符，申请退换", "{name}七天无理由退货",
    "{name}到货外包装破损，内部有磕碰",
]  # fmt: skip
COMPLAINTS = [
    "师傅上门迟到两个小时，也没提前打电话", "维修后同样的问题又出现了，已经第三次了", "客服电话一直打不通",
    "上门收费与报价不一致，要求说明", "师傅态度差，安装后没有清理现场", "预约时间到了没人来，耽误请假",
]  # fmt: skip

REASONS = {
    "wait_parts": ["需要更换主控板，已申请配件", "压缩机需更换，等待总部发货", "缺少专用滑轨，已下单调货"],
    "wait_customer": ["客户出差，下周回来再约", "电话未接通，已发短信", "需客户提供购买发票照片"],
    "cancel": ["客户表示问题已自行解决", "重复报修，已合并", "客户改期后决定不修了"],
    "decline_quote": ["客户认为维修费用过高，放弃维修", "客户决定购买新机"],
    "reopen": ["客户反馈问题复现", "回访发现客户不满意，重新处理"],
    "resolve": ["更换配件后测试正常", "已上门安装调试完毕", "清洁保养后运行正常", "调整后试机正常"],
    "resolve_remote": ["已指导客户重新设置，恢复正常", "远程指导客户复位后故障排除"],
    "answer": ["已告知保修政策：整机保修期内凭购买凭证免费维修", "已告知清洁方法并发送保养手册"],
}  # fmt: skip

REQUEST_CHANNEL_WEIGHTS = {
    Channel.PHONE: 40,
    Channel.WECHAT: 22,
    Channel.PORTAL: 15,
    Channel.WEB: 10,
    Channel.STORE: 8,
    Channel.EMAIL: 5,
}
SERVICE_TYPE_WEIGHTS = {
    ServiceType.REPAIR: 55,
    ServiceType.INSTALLATION: 15,
    ServiceType.MAINTENANCE: 10,
    ServiceType.CONSULTATION: 8,
    ServiceType.RETURN_EXCHANGE: 6,
    ServiceType.COMPLAINT: 6,
}
PRIORITY_WEIGHTS = {Priority.URGENT: 5, Priority.HIGH: 15, Priority.NORMAL: 70, Priority.LOW: 10}
FIELD_SERVICE_TYPES = (ServiceType.REPAIR, ServiceType.INSTALLATION, ServiceType.MAINTENANCE)


@dataclass
class DemoReference:
    """The reference data the requests are made of (what ``accounts``, ``customers`` and ``catalog`` left)."""

    users: dict[str, User]
    regions: list[RegionSpec]
    products: list[ProductSpec]
    technicians: list[User] = field(default_factory=list)

    @property
    def admin(self) -> User:
        return self.users["admin"]


def demo_reference_get(ctx: DemoContext) -> DemoReference:
    users = ctx.data["users"]
    return DemoReference(
        users=users,
        regions=ctx.data["regions"],
        products=ctx.data["products"],
        technicians=[users["tech"], users["partnertech"]],
    )


def demo_reference_ensure(ctx: DemoContext | None = None) -> DemoReference:
    """The reference data of every app (logins, regions, catalog ...), created or found."""
    ctx = ctx or DemoContext()
    demo_run(ctx, reference_only=True)
    return demo_reference_get(ctx)


def problem_description(rng: random.Random, service_type: str, spec: ProductSpec | None) -> str:
    """A realistic Chinese problem description for the type and the product's category."""
    name = spec.product.name if spec else "产品"
    kind = spec.kind if spec else "appliance"
    if service_type == ServiceType.REPAIR:
        text = rng.choice(PROBLEMS[spec.category_code] if spec else PROBLEMS["AC"])
    elif service_type == ServiceType.INSTALLATION:
        text = rng.choice(INSTALLATION[kind]).format(name=name)
    elif service_type == ServiceType.MAINTENANCE:
        text = rng.choice(MAINTENANCE[kind]).format(name=name)
    elif service_type == ServiceType.CONSULTATION:
        text = rng.choice(CONSULTATIONS).format(name=name)
    elif service_type == ServiceType.RETURN_EXCHANGE:
        text = rng.choice(RETURNS).format(name=name)
    else:
        text = rng.choice(COMPLAINTS)
    if spec and rng.random() < 0.4:
        text += f"。型号 {spec.product.model_code}"
    return text


# --- lifecycle paths ---------------------------------------------------------------------

A = Action
_TO_SCHEDULED = [A.ACKNOWLEDGE, A.ASSIGN, A.ACCEPT, A.SCHEDULE]
_TO_COMPLETED = [*_TO_SCHEDULED, A.START, A.COMPLETE]

# For every status, legal ways to reach it from NEW (checked by the tests through the services).
PATHS: dict[str, list[list[str]]] = {
    Status.NEW: [[]],
    Status.ACKNOWLEDGED: [[A.ACKNOWLEDGE], [A.ACKNOWLEDGE, A.ASSIGN, A.DECLINE]],
    Status.ASSIGNED: [[A.ACKNOWLEDGE, A.ASSIGN]],
    Status.ACCEPTED: [[A.ACKNOWLEDGE, A.ASSIGN, A.ACCEPT]],
    Status.SCHEDULED: [_TO_SCHEDULED, [*_TO_SCHEDULED, A.WAIT_PARTS, A.SCHEDULE]],
    Status.IN_PROGRESS: [[*_TO_SCHEDULED, A.START], [*_TO_SCHEDULED, A.START, A.REQUEST_QUOTE, A.APPROVE_QUOTE]],
    Status.WAITING_PARTS: [[*_TO_SCHEDULED, A.START, A.WAIT_PARTS]],
    Status.WAITING_CUSTOMER: [[A.ACKNOWLEDGE, A.WAIT_CUSTOMER], [*_TO_SCHEDULED, A.WAIT_CUSTOMER]],
    Status.WAITING_QUOTE: [[*_TO_SCHEDULED, A.START, A.REQUEST_QUOTE]],
    Status.COMPLETED: [_TO_COMPLETED, [A.ACKNOWLEDGE, A.RESOLVE_REMOTELY]],
    Status.FOLLOWED_UP: [[*_TO_COMPLETED, A.FOLLOW_UP]],
    Status.CLOSED: [
        [*_TO_COMPLETED, A.FOLLOW_UP, A.CLOSE],
        [A.ACKNOWLEDGE, A.WAIT_CUSTOMER, A.CUSTOMER_RESPONDED, *_TO_COMPLETED[1:], A.FOLLOW_UP, A.CLOSE],
        [A.ACKNOWLEDGE, A.RESOLVE_REMOTELY, A.FOLLOW_UP, A.CLOSE],
        [A.RESOLVE_AT_INTAKE],
        # A second visit: the part was not on the van (``CLOSED_PATH_WEIGHTS``: now and then).
        [*_TO_SCHEDULED, A.START, A.WAIT_PARTS, A.SCHEDULE, A.START, A.COMPLETE, A.FOLLOW_UP, A.CLOSE],
    ],
    Status.CANCELLED: [
        [A.CANCEL],
        [A.ACKNOWLEDGE, A.CANCEL],
        [*_TO_SCHEDULED, A.START, A.REQUEST_QUOTE, A.DECLINE_QUOTE],
    ],
    Status.REOPENED: [[*_TO_COMPLETED, A.FOLLOW_UP, A.CLOSE, A.REOPEN], [*_TO_COMPLETED, A.REOPEN]],
}

# minutes each step takes after the previous one (min, max)
STEP_MINUTES = {
    A.ACKNOWLEDGE: (1, 6),  # agents acknowledge within minutes (the 5-minute handling standard)
    A.RESOLVE_AT_INTAKE: (3, 15),
    A.RESOLVE_REMOTELY: (10, 180),
    A.ASSIGN: (15, 240),
    A.ACCEPT: (5, 120),
    A.DECLINE: (30, 300),
    A.SCHEDULE: (10, 180),
    A.START: (600, 3 * DAY_MINUTES),
    A.WAIT_PARTS: (30, 120),
    A.WAIT_CUSTOMER: (60, 600),
    A.CUSTOMER_RESPONDED: (600, 2 * DAY_MINUTES),
    A.REQUEST_QUOTE: (20, 60),
    A.APPROVE_QUOTE: (30, 600),
    A.DECLINE_QUOTE: (60, DAY_MINUTES),
    A.COMPLETE: (30, 240),
    A.FOLLOW_UP: (DAY_MINUTES, 3 * DAY_MINUTES),
    A.CLOSE: (60, DAY_MINUTES),
    A.CANCEL: (30, 2000),
    A.REOPEN: (DAY_MINUTES, 5 * DAY_MINUTES),
}

_REASON_KEYS = {
    A.WAIT_PARTS: "wait_parts",
    A.WAIT_CUSTOMER: "wait_customer",
    A.CANCEL: "cancel",
    A.DECLINE_QUOTE: "decline_quote",
    A.REOPEN: "reopen",
    A.COMPLETE: "resolve",
    A.RESOLVE_REMOTELY: "resolve_remote",
    A.RESOLVE_AT_INTAKE: "answer",
}
_FIELD_ACTIONS = {A.ACCEPT, A.DECLINE, A.SCHEDULE, A.START, A.WAIT_PARTS, A.REQUEST_QUOTE, A.COMPLETE}


def _actor_for(action: str, users: dict[str, User], technician: User | None, assigned: bool) -> User:
    if action in _FIELD_ACTIONS:
        return technician
    if action == A.ASSIGN:
        return users["dispatcher"]
    if action == A.REOPEN:
        return users["quality"]
    if action in (A.WAIT_CUSTOMER, A.CUSTOMER_RESPONDED) and assigned:
        return technician
    return users["agent"]


def _reason(rng: random.Random, action: str) -> str:
    if action == A.DECLINE:
        return "该时段已排满，无法接单"
    key = _REASON_KEYS.get(action)
    return rng.choice(REASONS[key]) if key else ""


def request_facts_draw(rng: random.Random, customer: Customer, path: list[str], *, field: bool = False) -> dict:
    """Service type, channel and priority of a request (``field``: a type that needs a visit)."""
    if A.RESOLVE_AT_INTAKE in path:
        service_type = ServiceType.CONSULTATION
    elif field:
        service_type = weighted(rng, {t: SERVICE_TYPE_WEIGHTS[t] for t in FIELD_SERVICE_TYPES})
    else:
        service_type = weighted(rng, SERVICE_TYPE_WEIGHTS)
    channel = Channel.PORTAL if customer.user_id and rng.random() < 0.7 else weighted(rng, REQUEST_CHANNEL_WEIGHTS)
    return {"service_type": service_type, "channel": channel, "priority": weighted(rng, PRIORITY_WEIGHTS)}


def request_walk(
    rng: random.Random,
    ref: DemoReference,
    *,
    customer: Customer,
    target: str,
    now: datetime.datetime,
    spec: ProductSpec | None,
    unit=None,
    path: list[str] | None = None,
    created: datetime.datetime | None = None,
    steps: list[float] | None = None,
    technician: User | None = None,
    facts: dict | None = None,
    before: tuple[str, Callable] | None = None,
):
    """File one request and move it to ``target`` along a legal path, with backdated times.

    By default filed some time in the last 60 days with steps of ``STEP_MINUTES``; ``created`` and
    ``steps`` (minutes after the previous step) place it exactly, ``technician`` is who is assigned, and
    ``facts`` fixes the service type, channel and priority (see ``request_facts_draw``). ``before``:
    (action, callback): the callback is called with the request and the moment just before that action."""
    path = path if path is not None else rng.choice(PATHS[target])
    if steps is None:
        steps = [rng.uniform(*STEP_MINUTES[action]) for action in path]
    if created is None:
        busy = sum(steps) + 60
        created = now - datetime.timedelta(minutes=rng.uniform(busy, max(busy, 60 * DAY_MINUTES)))
    facts = facts or request_facts_draw(rng, customer, path)
    service_type, channel = facts["service_type"], facts["channel"]
    creator = ref.users["customer"] if channel == Channel.PORTAL and customer.user_id else ref.users["agent"]
    request = request_create(
        actor=creator,
        customer=customer,
        channel=channel,
        service_type=service_type,
        priority=facts["priority"],
        description=problem_description(rng, service_type, spec),
        unit=unit,
        product=spec.product if spec and unit is None else None,
        now=created,
    )
    at = created
    assigned = technician
    technician = None
    for action, minutes in zip(path, steps, strict=True):
        at += datetime.timedelta(minutes=minutes)
        kwargs = {}
        if action == A.ASSIGN:
            technician = assigned or rng.choice(ref.technicians)
            kwargs["technician"] = technician
        actor = _actor_for(action, ref.users, technician, technician is not None)
        if before is not None and before[0] == action:
            before[1](request, at)
        request = request_transition(
            actor=actor,
            request=request,
            action=action,
            reason=_reason(rng, action),
            now=at,
            by_owner=True,  # demo history: written as it was, without dispatch offers
            **kwargs,
        )
        if action == A.DECLINE:
            technician = None
    return request


# --- the demo set ---------------------------------------------------------------------------


def demo_present() -> bool:
    return ServiceRequest.objects.exists()


# The demo set is a normal morning of a healthy department, relative to the moment it is loaded: the
# history closed over the last weeks, the open requests filed over the last hours and days, most of them
# on time. How many of each: status -> count (closed requests fill up to ``requests``).
HISTORY_COUNTS = {
    Status.CANCELLED: 24,
    Status.FOLLOWED_UP: 50,
    Status.COMPLETED: 40,
    Status.REOPENED: 4,
}
# The closed history comes in at a steady pace: most of it over the last month (the dashboard's default
# period), the rest over the two months before.
CLOSED_AGES = ((3, 31), (31, 90))
CLOSED_RECENT = 0.8
CLOSED_PATH_WEIGHTS = [25, 25, 25, 25, 3]  # by ``PATHS[Status.CLOSED]``: a second visit for one field job in twenty
# Open requests not yet visited: status -> (on time, at risk, breached) by the SLA engine at load time.
OPEN_ZONES = {
    Status.NEW: (10, 2, 0),
    Status.ACKNOWLEDGED: (10, 7, 4),
    Status.ASSIGNED: (3, 3, 2),
    Status.ACCEPTED: (2, 2, 1),
}
# Open requests past the visit or paused: their targets are met or stopped.
OPEN_COUNTS = {
    Status.IN_PROGRESS: 2,
    Status.WAITING_PARTS: 7,
    Status.WAITING_CUSTOMER: 6,
    Status.WAITING_QUOTE: 4,
}
# History: a few visits were late (on site after the target), escalated while the breach was open.
LATE_VISITS = 6
REPEAT_SHARE = 0.02  # requests for a unit serviced before (a repeat repair when within 30 days)
LATE_START_MINUTES = (26 * 60, 31 * 60)
JOBS_PER_TECHNICIAN = 7  # accepted jobs each technician gets, booked today and tomorrow by ``dispatch.demo``
BOOKED_TODAY = 3  # of them, booked into today's windows (the oldest: ``dispatch.demo.TODAY_VISITS``)
# Minutes before 07:00 today that those booked into today's windows were filed (last evening, 20:30-22:45).
EVENING_BEFORE = (8.25 * 60, 10.5 * 60)
# The share of its tightest running target an open request has used at load time, by zone; breaches
# spread over the last day and a half (most at escalation levels 1-2, the oldest at 4).
ON_TIME = (0.04, 0.72)
AT_RISK = (0.83, 0.97)
BREACHED = [1.03, 1.06, 1.12, 1.17, 1.24, 1.3, 2.25]
RUNNING = {
    Status.NEW: ("first_response", "appointment_contact", "arrival"),
    Status.ACKNOWLEDGED: ("appointment_contact", "arrival"),
    Status.ASSIGNED: ("appointment_contact", "arrival"),
    Status.ACCEPTED: ("appointment_contact", "arrival"),
}
# Minutes per step of a healthy department (min, max): answered within minutes, on site within the day.
BRISK_MINUTES = {
    **STEP_MINUTES,
    A.ACKNOWLEDGE: (0.5, 5.25),  # nineteen calls in twenty answered within five minutes
    A.RESOLVE_AT_INTAKE: (0.5, 5.25),  # answered on the call
    A.ASSIGN: (10, 90),
    A.ACCEPT: (5, 40),
    A.DECLINE: (10, 60),
    A.SCHEDULE: (10, 120),
    A.START: (120, 900),
    A.WAIT_PARTS: (20, 90),
    A.REQUEST_QUOTE: (20, 60),
    A.APPROVE_QUOTE: (30, 300),
    A.COMPLETE: (40, 180),
    A.WAIT_CUSTOMER: (30, 300),
    A.CANCEL: (30, 600),
}

# The hours the demo's people work (local time): customers file 07:00-23:00 and the service hotline
# acknowledges at once, at any hour; dispatchers and agents work 08:00-21:00, technicians are on site
# 08:30-18:00 (their shift in ``dispatch.demo`` and the half hour a last job may run over). A step of the
# history that would fall outside its hours waits for the next opening; a visit that would start (or
# a job that would end) after the technicians' day takes the end of that day when it can, else the next morning.
FILING_HOURS = (datetime.time(7), datetime.time(23))
OFFICE_HOURS = (datetime.time(8), datetime.time(21))
SITE_HOURS = (datetime.time(8, 30), datetime.time(18))
ON_SITE = {A.START, A.WAIT_PARTS, A.REQUEST_QUOTE, A.COMPLETE}
HOTLINE = {A.ACKNOWLEDGE, A.RESOLVE_AT_INTAKE}


@dataclass
class Job:
    """One request of the demo set to file: its final status, its path and where it sits in time."""

    target: str
    path: list[str]
    zone: str = "ok"  # ok / at_risk / breached (open requests with a running target)
    fraction: float | None = None
    age_days: tuple[float, float] = (3, 75)  # history: filed this many days ago
    field: bool = False  # needs a technician who serves the customer's region
    to_book: bool = False
    late: bool = False  # history: on site after the target, escalated meanwhile


def _jobs_plan(rng: random.Random, count: int, technicians: int) -> list[Job]:
    jobs: list[Job] = []
    for status, (ok, risk, breached) in OPEN_ZONES.items():
        for zone, n in (("ok", ok), ("at_risk", risk), ("breached", breached)):
            jobs += [Job(status, [], zone=zone) for _ in range(n)]
    breaches = iter(BREACHED)
    for job in jobs:
        job.path = list(PATHS[job.target][0])
        job.field = A.ASSIGN in job.path or job.zone != "ok"
        if job.zone == "breached":
            job.fraction = next(breaches, BREACHED[0])
        else:
            job.fraction = rng.uniform(*(ON_TIME if job.zone == "ok" else AT_RISK))
    for status, n in OPEN_COUNTS.items():
        for _ in range(n):
            path = rng.choice(PATHS[status])
            jobs.append(Job(status, list(path), age_days=(0.4, 3), field=A.ASSIGN in path))
    for _ in range(JOBS_PER_TECHNICIAN * technicians):
        jobs.append(Job(Status.ACCEPTED, list(PATHS[Status.ACCEPTED][0]), fraction=rng.uniform(0.1, 0.7), field=True,
                        to_book=True))  # fmt: skip
    ages = {Status.COMPLETED: (1.2, 4), Status.FOLLOWED_UP: (3, 9), Status.REOPENED: (4, 12)}
    for status, n in HISTORY_COUNTS.items():
        for _ in range(n):
            path = rng.choice(PATHS[status])
            jobs.append(Job(status, list(path), age_days=ages.get(status, (3, 75)), field=A.ASSIGN in path))
    while len(jobs) < count:
        path = rng.choices(PATHS[Status.CLOSED], weights=CLOSED_PATH_WEIGHTS)[0]
        ages = CLOSED_AGES[0] if rng.random() < CLOSED_RECENT else CLOSED_AGES[1]
        if path == [A.RESOLVE_AT_INTAKE] and ages == CLOSED_AGES[0]:  # answered on the call: any day, today too
            ages = (0.02, ages[1])
        jobs.append(Job(Status.CLOSED, list(path), age_days=ages, field=A.ASSIGN in path))
    late = [j for j in jobs if j.target == Status.CLOSED and j.path == PATHS[Status.CLOSED][0]][:LATE_VISITS]
    for n, job in enumerate(late):  # over the last two weeks
        job.late, job.age_days = True, (2 + 2 * n, 3 + 2 * n)
    return jobs


def _steps(rng: random.Random, path: list[str], *, within: float | None = None) -> list[float]:
    """Brisk step times; squeezed into ``within`` minutes (the open request's age) when given."""
    steps = [rng.uniform(*BRISK_MINUTES[action]) for action in path]
    if within is not None and sum(steps) > 0.9 * within:
        scale = 0.9 * within / sum(steps)
        steps = [m * scale for m in steps]
    return steps


def in_hours(at: datetime.datetime, hours: tuple[datetime.time, datetime.time]) -> bool:
    return hours[0] <= timezone.localtime(at).time() < hours[1]


def within_hours(
    rng: random.Random,
    at: datetime.datetime,
    hours: tuple[datetime.time, datetime.time],
    *,
    before: datetime.datetime | None = None,
) -> datetime.datetime:
    """``at`` if it lies within the daily ``hours``, else a few minutes after the next opening; when that
    is not before ``before``, a few minutes before ``before`` or before the last closing ahead of it."""
    opens, closes = hours
    if not in_hours(at, hours):
        local = timezone.localtime(at)
        day = local.date() if local.time() < opens else local.date() + datetime.timedelta(days=1)
        at = timezone.make_aware(datetime.datetime.combine(day, opens), local.tzinfo)
        at += datetime.timedelta(minutes=rng.uniform(2, 75))
    if before is None or at < before:
        return at
    local = timezone.localtime(before)
    if in_hours(before, hours):
        opening = timezone.make_aware(datetime.datetime.combine(local.date(), opens), local.tzinfo)
        return max(before - datetime.timedelta(minutes=rng.uniform(1, 20)), opening)
    day = local.date() if local.time() >= closes else local.date() - datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, closes), local.tzinfo) - datetime.timedelta(
        minutes=rng.uniform(5, 90)
    )


def _online(customer: Customer) -> str:
    """The channel of a request filed at night: the portal when the customer has an account, else WeChat."""
    return Channel.PORTAL if customer.user_id else Channel.WECHAT


def _working_hours(
    rng: random.Random,
    created: datetime.datetime,
    path: list[str],
    steps: list[float],
    *,
    placed: bool,
    now: datetime.datetime,
    follow_up: Callable | None = None,
) -> tuple[datetime.datetime, list[float]]:
    """``created`` and ``steps`` with every step in its people's hours (the hotline's at any hour,
    ``OFFICE_HOURS``, ``SITE_HOURS``) and the filing in ``FILING_HOURS``. ``placed``: the filing moment was set by the SLA engine and stays;
    then the steps stay as they were if the hours would push them past ``now``. Otherwise the whole
    history moves back by whole days (the times of day kept; whole weeks when it has a follow-up call,
    whose window counts working days) when it would end after ``now``. ``follow_up``: (completed at) ->
    the call's window (``feedback.window.Window``) or None; the call is made early in it."""
    start = created if placed else within_hours(rng, created, FILING_HOURS)
    at, moved = start, []
    for action, minutes in zip(path, steps, strict=True):
        step = at + datetime.timedelta(minutes=minutes)
        window = follow_up(at) if follow_up is not None and action == A.FOLLOW_UP else None
        if window is not None:
            step = window.due_from + min(window.due_by - window.due_from, datetime.timedelta(hours=6)) * rng.random()
        if action in ON_SITE and not in_hours(step, SITE_HOURS):  # that day's end when it can, else next morning
            evening = within_hours(rng, step, SITE_HOURS, before=step)
            if action == A.START:  # with time for the job before the day ends
                evening -= datetime.timedelta(minutes=rng.uniform(60, 150))
            same_day = evening > at + datetime.timedelta(minutes=30 if action == A.START else 20)
            step = evening if same_day else within_hours(rng, step, SITE_HOURS)
        elif action not in HOTLINE:
            step = within_hours(rng, step, OFFICE_HOURS)
        moved.append((step - at).total_seconds() / 60)
        at = step
    if at < now:
        return start, moved
    if placed:
        return created, steps
    days = (at - now).days + 1
    if A.FOLLOW_UP in path:
        days = 7 * -(-days // 7)
    return start - datetime.timedelta(days=days), moved


def demo_load(ctx: DemoContext) -> None:
    """The demo set's requests (see ``HISTORY_COUNTS``, ``OPEN_ZONES``): a job goes only to a technician who
    serves the customer's region (``ctx.data["coverage"]`` from ``dispatch.demo``); open requests are placed
    in time by the SLA engine (``ctx.data["sla_filed_at"]`` from ``sla.demo``) when it is there, and the
    late visits of the history were escalated while they were late (``sla_checkpoint``, ``sla_settle``)."""
    customers = ctx.data.get("customers", [])
    if not customers:
        return
    rng = ctx.rng("tickets")
    ref = demo_reference_get(ctx)
    units = ctx.data.get("units", {})
    coverage: dict[str, list[User]] = ctx.data.get("coverage") or {}
    filed_at = ctx.data.get("sla_filed_at")
    checkpoint, settle = ctx.data.get("sla_checkpoint"), ctx.data.get("sla_settle")
    followup_window = ctx.data.get("followup_window")  # (completed at, service type) -> window, from feedback
    spec_by_product = {p.product.pk: p for p in ref.products}
    now = timezone.now().replace(microsecond=0)
    count = ctx.option("requests", SMALL_REQUESTS)
    technicians = sorted({t.pk: t for ts in coverage.values() for t in ts}.values(), key=lambda t: t.username)
    jobs = _jobs_plan(rng, count, len(technicians))
    covered = [c for c in customers if c.region.region.code in coverage] or customers
    by_technician = {t.pk: [c for c in covered if t in coverage.get(c.region.region.code, [])] for t in technicians}
    booking = iter([t for _ in range(JOBS_PER_TECHNICIAN) for t in technicians])
    spread = itertools.count(rng.randrange(max(1, len(technicians))))
    planned = []
    booked_today: dict[int, int] = {}
    serviced: set[int] = set()
    repaired: set[int] = set()
    for i, job in enumerate(jobs):
        technician = None
        if job.to_book:
            technician = next(booking)
            demo_customer = rng.choice(by_technician[technician.pk] or covered)
        elif job.field and technicians:  # the open jobs spread evenly over the technicians
            technician = technicians[next(spread) % len(technicians)]
            demo_customer = rng.choice(by_technician[technician.pk] or covered)
        elif job.field:
            demo_customer = rng.choice(covered)
        else:
            demo_customer = customers[0] if i % 40 == 0 else rng.choice(customers)
        if job.field and technician is None:
            technician = rng.choice(coverage.get(demo_customer.region.region.code) or ref.technicians)
        customer = demo_customer.customer
        facts = request_facts_draw(rng, customer, job.path, field=job.field)
        # Mostly a registered unit, one not serviced yet when there is one; a repair only of a unit not repaired
        # before (repeat repairs are rare: ``REPEAT_SHARE``).
        repair = facts["service_type"] == ServiceType.REPAIR
        his_units = units.get(customer.pk, [])
        fresh = (
            [u for u in his_units if u.pk not in serviced]
            or [u for u in his_units if not repair or u.pk not in repaired]
            or (his_units if job.to_book else [])
        )
        if rng.random() < REPEAT_SHARE:
            fresh = his_units
        unit = rng.choice(fresh) if fresh and (job.to_book or rng.random() < 0.9) else None
        if unit is not None:
            serviced.add(unit.pk)
            if repair:
                repaired.add(unit.pk)
        spec = spec_by_product[unit.product_id] if unit else rng.choice(ref.products)
        created = None
        if job.fraction is not None and filed_at is not None:
            created = filed_at(
                service_type=facts["service_type"],
                priority=facts["priority"],
                customer_tier=int(customer.tier),
                region_class=demo_customer.region.region.region_class,
                channel=facts["channel"],
                product_category_id=spec.product.category_id,
                kinds=RUNNING[job.target],
                fraction=job.fraction,
                now=now,
            )
        if created is None:
            low, high = (0.05, 0.7) if job.fraction is not None else job.age_days
            created = now - datetime.timedelta(days=rng.uniform(low, high))
        early_shift = None
        early = job.to_book and booked_today.get(technician.pk, 0) < BOOKED_TODAY
        if early:
            # One of the jobs booked into today's windows (dispatch's demo takes each technician's
            # oldest): filed last evening after the dispatchers had left (20:30-22:45, well inside the
            # on-site target of the afternoon's visit), so it was agreed before the first visit. (Its
            # clocks wait for its visit: ``sla.demo`` computes them after dispatch and field.)
            booked_today[technician.pk] = booked_today.get(technician.pk, 0) + 1
            day_began = timezone.make_aware(datetime.datetime.combine(timezone.localdate(now), datetime.time(7)))
            if day_began < now:
                created = min(created, day_began - datetime.timedelta(minutes=rng.uniform(*EVENING_BEFORE)))
                early_shift = day_began  # assigned and accepted by the early shift (see below)
                facts["channel"] = _online(customer)  # came in online after office hours
        if job.fraction is not None and job.target != Status.NEW and not in_hours(created, FILING_HOURS):
            facts["channel"] = _online(customer)  # filed at night (the targets still running do not look at it)
        if job.target == Status.NEW and job.zone == "ok":  # filed within the hour, not yet taken
            created = max(created, now - datetime.timedelta(minutes=rng.uniform(3, 50)))
        if job.late:  # filed in the morning: the late start, a day and a few hours later, is in site hours
            morning = timezone.localtime(created).replace(hour=7, minute=0, second=0, microsecond=0)
            created = morning + datetime.timedelta(minutes=rng.uniform(0, 210))
        age = (now - created).total_seconds() / 60
        steps = _steps(rng, job.path, within=age if job.fraction is not None or job.age_days[1] <= 3 else None)
        if early_shift is not None:  # the hotline acknowledges at once; the early shift (07:00) assigns and the
            # technician accepts by 07:40, before he sets off
            acknowledged = rng.uniform(*BRISK_MINUTES[A.ACKNOWLEDGE])
            wait = max(0.0, (early_shift - created).total_seconds() / 60 - acknowledged)
            steps = [acknowledged, wait + rng.uniform(5, 20), rng.uniform(3, 12)]
        before = None
        if job.late and checkpoint is not None:
            start = job.path.index(A.START)
            steps[start] = rng.uniform(*LATE_START_MINUTES) - sum(steps[:start])
            before = (A.START, checkpoint)
        if early and created + datetime.timedelta(minutes=sum(steps)) >= now:  # a history longer than its age
            created = now - datetime.timedelta(minutes=sum(steps) + rng.uniform(30, 600))
        if not early:  # (booked today: filed and accepted before the working day, see above); a history
            # longer than its age moves back by whole days, its times of day kept
            follow_up = (lambda at, kind=facts["service_type"]: followup_window(at, kind)) if followup_window else None
            created, steps = _working_hours(rng, created, job.path, steps, placed=job.fraction is not None, now=now,
                                            follow_up=follow_up)  # fmt: skip
        walk = {"customer": customer, "target": job.target, "spec": spec, "unit": unit, "path": job.path,
                "created": created, "steps": steps, "technician": technician, "facts": facts, "before": before}  # fmt: skip
        planned.append((created, i, job, walk))
    to_book = []
    # Filed in time order, so the request numbers grow with the filing time.
    with ctx.bar(len(planned), "service requests", unit="request") as bar:
        for _created, _i, job, walk in sorted(planned, key=lambda row: row[:2]):
            request = request_walk(rng, ref, now=now, **walk)
            if walk["before"] is not None and settle is not None:
                settle(request)
            if job.to_book:
                to_book.append(request)
            bar.update(1)
    ctx.data["to_book"] = to_book
    ctx.log(f"{len(jobs)} service requests")


def demo_bulk(ctx: DemoContext) -> None:
    """Scale mode: ``ctx.scale`` requests (with customers, units and timeline rows) in bulk."""
    from .demo_bulk import demo_bulk_create

    with ctx.bar(ctx.scale, "requests", unit="req", unit_scale=True) as bar:
        stats = demo_bulk_create(
            ctx.scale,
            seed=ctx.seed,
            batch_size=ctx.option("batch_size", 5000),
            events=ctx.option("events", True),
            ref=demo_reference_get(ctx),
            progress=bar.update,
        )
    ctx.log(
        f"Added {stats.requests:,} requests, {stats.customers:,} customers, {stats.addresses:,} addresses, "
        f"{stats.units:,} units, {stats.events:,} timeline rows, {stats.terms:,} search terms on {connection.vendor} "
        f"in {stats.seconds:.1f} s: {stats.requests / stats.seconds:,.0f} requests/s, "
        f"{stats.rows / stats.seconds:,.0f} rows/s."
    )
