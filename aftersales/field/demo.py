"""Demo field-service data: ``demo_field(rng=...)``.

- The fault tree (category → fault → cause, with the usual solution) and the function-test
  and use-and-care checklists for the demo product categories (``catalog.demo``), plus a
  few lines that apply to every product. Idempotent: rows are found by their code (checks
  by category and text) and only the missing ones are created.
- Today's visits so far through the real services, on the windows ``dispatch.demo`` booked for
  technicians with a van: a visit whose window began long enough ago is done (diagnosis, quote
  and signed consent when out of warranty, a part from the van when one fits, checklist, the
  customer's signature, payment, check-out — so the demo has service forms and receipts to
  print; one ends with "needs a second visit"); the one under way is checked in and diagnosed.
  The later windows stay for the technician's day. Only when no visit exists yet.
- The history's service forms (``demo_history_forms``): the in-warranty field jobs the requests' demo
  completed over the last weeks, each with its visit, checks and the customer's signature, as records.

Run by ``manage.py demo_data`` (``demo_load``, see ``core.demos``) after the requests and the parts
(it needs the jobs and the vans).
"""

from __future__ import annotations

import base64
import datetime
import io
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from aftersales.catalog.models import ProductCategory
from aftersales.core.errors import DomainError

from .choices import ChargeReason, CheckKind, LineKind, OldPart, Outcome, PaymentMethod, SecondVisitReason
from .models import Fault, FaultCategory, FaultCause, FunctionCheck, Visit

# (code, name, product category code or None for every product, [(fault code, fault name, [(cause code,
# cause name, usual solution)])])
FAULT_TREE = [
    (
        "GEN-APP",
        "外观",
        None,
        [
            (
                "GEN-APP-DMG",
                "外观破损、划痕",
                [
                    ("GEN-APP-DMG-TR", "运输磕碰", "更换受损面板或部件（运输责任，免费）"),
                    ("GEN-APP-DMG-US", "使用中碰撞", "更换受损部件，人为损坏按收费维修"),
                ],
            ),
        ],
    ),
    (
        "GEN-INST",
        "安装",
        None,
        [
            (
                "GEN-INST-LOOSE",
                "安装不牢、不水平",
                [("GEN-INST-LOOSE-STD", "安装不规范", "重新安装固定并调平")],
            ),
        ],
    ),
    (
        "AC-COOL",
        "制冷",
        "AC",
        [
            (
                "AC-COOL-NONE",
                "不制冷",
                [
                    ("AC-COOL-NONE-CMP", "压缩机故障", "更换压缩机，抽真空后按铭牌加注冷媒"),
                    ("AC-COOL-NONE-LEAK", "冷媒泄漏", "查漏补焊，抽真空后按铭牌加注冷媒"),
                    ("AC-COOL-NONE-CAP", "压缩机启动电容损坏", "更换启动电容"),
                ],
            ),
            (
                "AC-COOL-WEAK",
                "制冷效果差",
                [
                    ("AC-COOL-WEAK-FLT", "滤网、蒸发器脏堵", "清洗滤网和蒸发器"),
                    ("AC-COOL-WEAK-OUT", "室外机散热不良", "清洗冷凝器，清理室外机周边遮挡"),
                ],
            ),
        ],
    ),
    (
        "AC-ELEC",
        "电气",
        "AC",
        [
            (
                "AC-ELEC-POWER",
                "不通电",
                [
                    ("AC-ELEC-POWER-PCB", "电源板（主控板）损坏", "更换主控板"),
                    ("AC-ELEC-POWER-LINE", "电源线或插座故障", "检修线路，建议用户更换合格的专用插座"),
                ],
            ),
            (
                "AC-ELEC-CODE",
                "显示故障代码",
                [
                    ("AC-ELEC-CODE-SNS", "温度传感器故障", "更换温度传感器"),
                    ("AC-ELEC-CODE-COM", "内外机通讯故障", "检查连接线，更换通讯模块"),
                ],
            ),
        ],
    ),
    (
        "AC-NOISE",
        "噪音",
        "AC",
        [
            (
                "AC-NOISE-RUN",
                "运行噪音大",
                [
                    ("AC-NOISE-RUN-FAN", "贯流风扇变形", "更换室内贯流风扇"),
                    ("AC-NOISE-RUN-BRK", "安装支架松动", "紧固支架，加装减震垫"),
                ],
            ),
        ],
    ),
    (
        "AC-LEAK",
        "漏水",
        "AC",
        [
            (
                "AC-LEAK-IN",
                "室内机漏水",
                [
                    ("AC-LEAK-IN-PIPE", "排水管堵塞", "疏通排水管"),
                    ("AC-LEAK-IN-TILT", "室内机安装倾斜", "重新调整室内机水平"),
                ],
            ),
        ],
    ),
    (
        "FR-COOL",
        "制冷",
        "FRIDGE",
        [
            (
                "FR-COOL-NONE",
                "冷藏室不冷",
                [
                    ("FR-COOL-NONE-THM", "温控器故障", "更换温控器"),
                    ("FR-COOL-NONE-FAN", "风机故障", "更换风机"),
                    ("FR-COOL-NONE-LEAK", "冷媒泄漏", "查漏补焊，抽真空后加注冷媒"),
                ],
            ),
        ],
    ),
    (
        "FR-FROST",
        "结霜",
        "FRIDGE",
        [
            (
                "FR-FROST-HEAVY",
                "冷冻室结霜严重",
                [
                    ("FR-FROST-HEAVY-GSK", "门封不严", "更换门封条"),
                    ("FR-FROST-HEAVY-HTR", "化霜加热器损坏", "更换化霜加热器"),
                ],
            ),
        ],
    ),
    (
        "FR-NOISE",
        "噪音",
        "FRIDGE",
        [("FR-NOISE-CMP", "压缩机噪音大", [("FR-NOISE-CMP-PAD", "减震垫老化", "更换减震垫，调平箱体")])],
    ),
    (
        "WM-DRAIN",
        "排水",
        "WASHER",
        [
            (
                "WM-DRAIN-NONE",
                "不排水",
                [
                    ("WM-DRAIN-NONE-PMP", "排水泵故障", "更换排水泵"),
                    ("WM-DRAIN-NONE-CLOG", "排水管、过滤器堵塞", "清理排水管和过滤器"),
                ],
            ),
        ],
    ),
    (
        "WM-SPIN",
        "脱水",
        "WASHER",
        [
            (
                "WM-SPIN-SHAKE",
                "脱水时振动大",
                [
                    ("WM-SPIN-SHAKE-LOAD", "衣物放置不均", "指导用户均匀放置衣物"),
                    ("WM-SPIN-SHAKE-DMP", "减震器损坏", "更换减震器"),
                ],
            ),
            ("WM-SPIN-NONE", "不脱水", [("WM-SPIN-NONE-MTR", "电机故障", "更换直驱电机")]),
        ],
    ),
    (
        "WM-ELEC",
        "电气",
        "WASHER",
        [("WM-ELEC-POWER", "不通电", [("WM-ELEC-POWER-PCB", "电脑板损坏", "更换电脑板")])],
    ),
    (
        "WH-HEAT",
        "加热",
        "WATERHEATER",
        [
            (
                "WH-HEAT-NONE",
                "不加热",
                [
                    ("WH-HEAT-NONE-IGN", "点火器故障（燃气）", "更换点火器"),
                    ("WH-HEAT-NONE-ELM", "加热管损坏（电热）", "更换加热管"),
                ],
            ),
            ("WH-HEAT-UNSTABLE", "水温不稳定", [("WH-HEAT-UNSTABLE-PRS", "水压不足", "调整进水阀，建议加装增压泵")]),
        ],
    ),
    (
        "WH-LEAK",
        "漏水",
        "WATERHEATER",
        [
            (
                "WH-LEAK-BODY",
                "机身漏水",
                [
                    ("WH-LEAK-BODY-SEAL", "接头密封不良", "更换密封圈"),
                    ("WH-LEAK-BODY-TANK", "内胆渗漏", "更换内胆（在保修期内可换机）"),
                ],
            ),
        ],
    ),
    (
        "TV-DISP",
        "显示",
        "TV",
        [
            (
                "TV-DISP-BLACK",
                "黑屏有声音",
                [("TV-DISP-BLACK-BL", "背光灯条故障", "更换背光灯条")],
            ),
            (
                "TV-DISP-LINES",
                "屏幕有竖线",
                [
                    ("TV-DISP-LINES-FPC", "屏幕排线松动", "重新插接屏幕排线"),
                    ("TV-DISP-LINES-PNL", "面板损坏", "更换屏幕组件"),
                ],
            ),
        ],
    ),
    (
        "TV-POWER",
        "电源",
        "TV",
        [("TV-POWER-NONE", "不开机", [("TV-POWER-NONE-PSU", "电源板损坏", "更换电源板")])],
    ),
    (
        "TV-REMOTE",
        "遥控",
        "TV",
        [
            (
                "TV-REMOTE-NONE",
                "遥控失灵",
                [
                    ("TV-REMOTE-NONE-RC", "遥控器损坏", "更换遥控器"),
                    ("TV-REMOTE-NONE-IR", "红外接收头故障", "更换按键接收板"),
                ],
            ),
        ],
    ),
    (
        "SF-STRUCT",
        "结构",
        "SOFA",
        [
            (
                "SF-STRUCT-SAG",
                "坐感塌陷",
                [
                    ("SF-STRUCT-SAG-FOAM", "海绵老化塌陷", "更换坐垫海绵"),
                    ("SF-STRUCT-SAG-SPR", "蛇形弹簧断裂", "更换蛇形弹簧"),
                ],
            ),
            ("SF-STRUCT-NOISE", "坐下有异响", [("SF-STRUCT-NOISE-FRM", "框架松动", "加固框架，更换沙发脚")]),
        ],
    ),
    (
        "SF-SURF",
        "面料",
        "SOFA",
        [
            (
                "SF-SURF-CRACK",
                "皮面开裂、褪色",
                [
                    ("SF-SURF-CRACK-AGE", "皮面老化", "局部修补或更换皮面"),
                    ("SF-SURF-CRACK-USE", "清洁保养不当", "修补皮面并告知保养方法（收费）"),
                ],
            ),
        ],
    ),
    (
        "SF-ELEC",
        "电动功能",
        "SOFA",
        [
            (
                "SF-ELEC-NONE",
                "电动调节失灵",
                [
                    ("SF-ELEC-NONE-MTR", "推杆电机故障", "更换推杆电机"),
                    ("SF-ELEC-NONE-CTL", "控制器故障", "更换控制器"),
                ],
            ),
        ],
    ),
    (
        "MT-STRUCT",
        "结构",
        "MATTRESS",
        [
            ("MT-STRUCT-SAG", "床垫凹陷", [("MT-STRUCT-SAG-SPR", "弹簧疲劳", "按三包规定更换床垫")]),
            ("MT-STRUCT-NOISE", "翻身有异响", [("MT-STRUCT-NOISE-SPR", "弹簧摩擦", "检查并更换异响弹簧区")]),
        ],
    ),
    (
        "MT-COVER",
        "面料",
        "MATTRESS",
        [("MT-COVER-TEAR", "面料破损", [("MT-COVER-TEAR-WEAR", "外套磨损", "更换床垫外套")])],
    ),
    (
        "WD-DOOR",
        "柜门",
        "WARDROBE",
        [
            ("WD-DOOR-SAG", "柜门下垂、关不严", [("WD-DOOR-SAG-HNG", "铰链松动", "调整或更换阻尼铰链")]),
            ("WD-DOOR-STUCK", "推拉门卡滞", [("WD-DOOR-STUCK-RAIL", "滑轨变形", "更换推拉门滑轨")]),
        ],
    ),
    (
        "WD-BOARD",
        "板材",
        "WARDROBE",
        [("WD-BOARD-WARP", "板材开裂、变形", [("WD-BOARD-WARP-DAMP", "受潮", "更换板材并告知防潮措施")])],
    ),
    (
        "DT-STRUCT",
        "结构",
        "DINING",
        [
            ("DT-STRUCT-WOBBLE", "桌面晃动", [("DT-STRUCT-WOBBLE-FIX", "连接件松动", "紧固连接件，调平桌脚")]),
            ("DT-STRUCT-TURN", "转盘转动不畅", [("DT-STRUCT-TURN-BRG", "转盘轴承损坏", "更换转盘轴承")]),
        ],
    ),
    (
        "DT-SURF",
        "表面",
        "DINING",
        [("DT-SURF-CHIP", "岩板崩边", [("DT-SURF-CHIP-HIT", "运输或使用磕碰", "修补或更换岩板")])],
    ),
]

T, C = CheckKind.TEST, CheckKind.CARE
# product category code or None (every product) -> [(kind, text)]
CHECKLISTS = {
    None: [(C, "告知三包政策、保修期限和服务热线"), (T, "现场清洁，恢复原状")],
    "AC": [
        (T, "制冷试机 30 分钟，进出风温差不小于 8℃"),
        (T, "制热试机（冷暖机型），出风温度正常"),
        (T, "运行无异响，室内机无漏水"),
        (T, "遥控器各功能正常"),
        (C, "告知每月清洗滤网等日常清洁保养方法"),
        (C, "告知长期不用时拔掉电源"),
    ],
    "FRIDGE": [
        (T, "通电运行 30 分钟，冷藏、冷冻温度正常下降"),
        (T, "门封严密，开门报警正常"),
        (C, "告知食物存放及定期清洁方法"),
        (C, "告知箱体背部保留 10 厘米以上散热空间"),
    ],
    "WASHER": [
        (T, "进水、洗涤、漂洗、脱水全程试机"),
        (T, "排水顺畅，各接口无渗漏"),
        (T, "脱水时无异常振动和噪音"),
        (C, "告知定期清洗过滤器和筒自洁"),
        (C, "告知衣物均匀放置、不超量"),
    ],
    "WATERHEATER": [
        (T, "点火（加热）正常，出水温度稳定"),
        (T, "各接口无漏水、漏气"),
        (C, "告知定期排污和安全使用方法"),
        (C, "告知燃气机型保持通风"),
    ],
    "TV": [
        (T, "开机画面、声音正常"),
        (T, "信号源切换和网络功能正常"),
        (T, "遥控器功能正常"),
        (C, "告知用干软布清洁屏幕"),
    ],
    "SOFA": [
        (T, "结构稳固，坐下无异响"),
        (T, "电动功能往复测试正常（电动款）"),
        (C, "告知皮面、布面的清洁保养方法"),
    ],
    "MATTRESS": [(T, "床垫表面平整，无异响"), (C, "告知定期翻转床垫、保持通风干燥")],
    "WARDROBE": [
        (T, "柜门开关顺畅，门缝均匀"),
        (T, "抽屉、滑轨推拉顺畅"),
        (C, "告知防潮及层板承重注意事项"),
    ],
    "DINING": [(T, "桌椅稳固，无晃动"), (T, "转盘转动顺畅（带转盘款）"), (C, "告知岩板、实木表面的清洁保养方法")],
}

DEMO_ORDER = 80


def fault_tree_ensure() -> dict:
    """Create the missing fault-tree nodes and checklist lines; returns how many were created."""
    categories = {c.code: c for c in ProductCategory.objects.all()}
    made = {"categories": 0, "faults": 0, "causes": 0, "checks": 0}
    with transaction.atomic():
        existing_cat = {c.code: c for c in FaultCategory.objects.all()}
        existing_fault = {f.code: f for f in Fault.objects.all()}
        existing_cause = set(FaultCause.objects.values_list("code", flat=True))
        for c_sort, (code, name, product_code, faults) in enumerate(FAULT_TREE):
            if product_code is not None and product_code not in categories:
                continue
            category = existing_cat.get(code)
            if category is None:
                category = FaultCategory.objects.create(
                    code=code,
                    name=name,
                    product_category=categories.get(product_code) if product_code else None,
                    sort=c_sort,
                )
                made["categories"] += 1
            for f_sort, (f_code, f_name, causes) in enumerate(faults):
                fault = existing_fault.get(f_code)
                if fault is None:
                    fault = Fault.objects.create(category=category, code=f_code, name=f_name, sort=f_sort)
                    made["faults"] += 1
                for k_sort, (k_code, k_name, hint) in enumerate(causes):
                    if k_code not in existing_cause:
                        FaultCause.objects.create(
                            fault=fault, code=k_code, name=k_name, solution_hint=hint, sort=k_sort
                        )
                        made["causes"] += 1
        existing_checks = set(FunctionCheck.objects.values_list("product_category__code", "text"))
        for product_code, lines in CHECKLISTS.items():
            if product_code is not None and product_code not in categories:
                continue
            for sort, (kind, text) in enumerate(lines):
                if (product_code, text) in existing_checks:
                    continue
                FunctionCheck.objects.create(
                    product_category=categories.get(product_code) if product_code else None,
                    kind=kind,
                    text=text,
                    sort=sort,
                )
                made["checks"] += 1
    return made


# --- demo visits ---------------------------------------------------------------------------------


def _signature(rng: random.Random) -> str:
    """A handwritten-looking PNG signature (pen strokes on a transparent canvas)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (360, 130), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    x = 20
    for _stroke in range(rng.randint(3, 4)):
        points = []
        for _ in range(rng.randint(4, 7)):
            points.append((x, rng.randint(25, 105)))
            x += rng.randint(8, 18)
        draw.line(points, fill=(20, 30, 90, 255), width=4, joint="curve")
        x += rng.randint(6, 14)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _jobs(now) -> list:
    """Today's booked visits whose window has begun, for technicians with a van, earliest first:
    (request, window start, appointment)."""
    from aftersales.dispatch.choices import AppointmentStatus
    from aftersales.dispatch.models import Appointment
    from aftersales.parts.models import Warehouse

    vans = set(Warehouse.objects.filter(technician__isnull=False).values_list("technician_id", flat=True))
    midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(now), datetime.time(0)))
    appointments = (
        Appointment.objects.filter(
            status=AppointmentStatus.CONFIRMED,
            technician_id__in=vans,
            window_start__gte=midnight,
            window_start__lte=now - datetime.timedelta(minutes=45),
            request__unit__isnull=False,
            request__visits__isnull=True,
        )
        .select_related(
            "request__unit__product__category", "request__assigned_technician", "request__customer", "request"
        )
        .order_by("window_start", "pk")
    )
    return [(a.request, a.window_start, a) for a in appointments]


def _cause_for(rng: random.Random, request) -> FaultCause | None:
    from .selectors import fault_tree_for

    tree = fault_tree_for(request)
    specific = [c for c in tree if c.product_category_id] or tree
    causes = [cause for category in specific for fault in category.faults.all() for cause in fault.causes.all()]
    return rng.choice(causes) if causes else None


def _van_part(technician, product):
    from aftersales.parts.models import StockLevel

    level = (
        StockLevel.objects.filter(
            warehouse__technician=technician,
            store="good",
            on_hand__gt=F("reserved"),
            part__compatible_products=product,
            part__is_active=True,
        )
        .select_related("part")
        .order_by("part__code", "lot")
        .first()
    )
    return level


def _visit(rng: random.Random, request, *, start, second_visit: bool, on_site: bool = False) -> Visit | None:
    from . import services
    from .selectors import checks_for

    t = request.assigned_technician
    clock = iter(range(0, 600, rng.randint(8, 12)))  # a visit of eight steps takes at most 96 min

    def at():
        return start + datetime.timedelta(minutes=next(clock))

    cause = _cause_for(rng, request)
    if cause is None:
        return None
    visit = services.visit_check_in(actor=t, request=request, now=at())
    visit = services.visit_diagnose(
        actor=t,
        visit=visit,
        cause=cause,
        inspection_result=f"现场检查：{cause.fault.name}，确认原因为{cause.name}。",
        solution=cause.solution_hint or "按标准流程维修",
        now=at(),
    )
    if on_site:
        return visit  # the technician is there now: diagnosed, the work goes on
    customer = request.contact_name or request.customer.name
    level = _van_part(t, request.unit.product)
    if second_visit:
        return services.visit_check_out(
            actor=t,
            visit=visit,
            outcome=Outcome.SECOND_VISIT,
            second_visit_reason=SecondVisitReason.WAITING_PARTS,
            reason="所需配件车上无货，已申请调拨，到货后预约二次上门",
            now=at(),
        )
    if not visit.in_warranty:
        lines = [{"kind": LineKind.LABOUR, "description": "维修工时", "quantity": 1, "unit_price": "120.00"}]
        if level is not None:
            lines.insert(0, {"kind": LineKind.PART, "part": level.part, "quantity": 1})
        lines.append({"kind": LineKind.CALL_OUT, "description": "上门服务费", "quantity": 1, "unit_price": "50.00"})
        quote = services.quote_create(actor=t, visit=visit, lines=lines, now=at())
        services.quote_accept(actor=t, quote=quote, signer_name=customer, signature=_signature(rng), now=at())
    if level is not None:
        services.visit_part_use(
            actor=t,
            visit=visit,
            part=level.part,
            quantity=1,
            lot=level.lot,
            old_part=OldPart.RETURNED
            if level.part.return_required
            else rng.choice([OldPart.CUSTOMER_KEEPS, OldPart.DISPOSED]),
            old_serial=f"OLD-{request.number}" if level.part.return_required else "",
            now=at(),
        )
    results = {c.pk: {"result": "pass"} for c in checks_for(visit)}
    services.visit_checks_record(
        actor=t, visit=visit, results=results, care_instructions="已现场演示使用方法并告知日常保养", now=at()
    )
    services.visit_sign(actor=t, visit=visit, signer_name=customer, signature=_signature(rng), now=at())
    visit.refresh_from_db()
    if visit.customer_total > Decimal("0"):
        method = rng.choice([PaymentMethod.WECHAT, PaymentMethod.ALIPAY, PaymentMethod.CASH])
        services.payment_record(
            actor=t,
            visit=visit,
            method=method,
            amount=visit.customer_total,
            reference=f"{rng.randrange(10**9, 10**10)}" if method != PaymentMethod.CASH else "",
            now=at(),
        )
    return services.visit_check_out(actor=t, visit=visit, outcome=Outcome.COMPLETED, now=at())


VISIT_LENGTH = datetime.timedelta(minutes=100)


def demo_visits(*, rng: random.Random, fresh: bool = True) -> list[Visit]:
    """Today's visits so far, through the services (only when there is none yet): each technician set off
    (the customer told when he would arrive) and checked in a little after his window began; a visit that
    had time to finish is done (one of them needs a second visit), the one under way is diagnosed and goes
    on. A job that fails a rule of the services is skipped."""
    from aftersales.dispatch.services import appointment_depart

    if not fresh:  # (``demo_field``: only when no visit existed before it ran)
        return []
    now = timezone.now()
    made = []
    jobs = _jobs(now)
    starts = {
        request.pk: window_start + datetime.timedelta(minutes=rng.randint(5, 25)) for request, window_start, _a in jobs
    }
    finished = [request.pk for request, _w, _a in jobs if starts[request.pk] + VISIT_LENGTH <= now]
    second = finished[len(finished) // 2] if len(finished) > 2 else None
    for request, _window_start, appointment in jobs:
        start = starts[request.pk]
        on_site = start + VISIT_LENGTH > now
        try:
            with transaction.atomic():
                # He set off after the previous job and told the customer when he would arrive.
                appointment_depart(
                    actor=request.assigned_technician,
                    appointment=appointment,
                    eta=start,
                    now=start - datetime.timedelta(minutes=rng.randint(15, 35)),
                )
                visit = _visit(rng, request, start=start, second_visit=request.pk == second, on_site=on_site)
        except DomainError:
            continue
        if visit is not None:
            made.append(visit)
    return made


HISTORY_FORM_DAYS = 35
HISTORY_VISIT_MAX = datetime.timedelta(hours=4)  # a completion recorded later (the next morning) has no form
HISTORY_STATUSES = ("completed", "followed_up", "closed", "reopened")
FIELD_SERVICE_TYPES = ("repair", "installation", "maintenance")


def demo_history_forms(*, rng: random.Random) -> int:
    """The service forms of the requests' history over the last weeks (``HISTORY_FORM_DAYS``), as the
    record of what happened: ``tickets.demo`` walks "start service" and "complete service" on the
    requests themselves (the visit services work from now on, on jobs still open), so each in-warranty
    field job it completed gets its visits here: checked in at each start, diagnosed on the product's
    fault tree; a visit that ended waiting for parts needs a second one; the one checked out at the
    completion had every check passed and was signed by the customer on the technician's phone —
    nothing to pay. Out-of-warranty jobs (a quote and a payment) and
    completions recorded hours after the start have none, nor have jobs begun today (today's visits are
    ``demo_visits``'). Numbered in time order, before today's visits. Returns how many were made."""
    from aftersales.accounts.models import User
    from aftersales.tickets.models import ServiceRequest, ServiceRequestEvent

    from .choices import CheckResult, SignaturePurpose, SignedVia, SignerRole, VisitStatus
    from .models import CheckRecord, Signature
    from .selectors import checks_for
    from .services._common import _token, _visit_number
    from .services.visits import technician_sign_form
    from .signatures import signature_png

    since = timezone.now() - datetime.timedelta(days=HISTORY_FORM_DAYS)
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    requests = {
        r.pk: r
        for r in ServiceRequest.objects.filter(
            status__in=HISTORY_STATUSES,
            service_type__in=FIELD_SERVICE_TYPES,
            unit__isnull=False,
            in_warranty=True,
            visits__isnull=True,
            created_at__gte=since,
        ).select_related("unit__product__category", "customer")
    }
    events: dict[int, list] = {}
    for request_id, action, at, actor_id in (
        ServiceRequestEvent.objects.filter(
            request_id__in=list(requests),
            kind=ServiceRequestEvent.Kind.TRANSITION,
            action__in=["start", "wait_parts", "complete", "request_quote"],
        )
        .order_by("at", "id")
        .values_list("request_id", "action", "at", "actor_id")
    ):
        events.setdefault(request_id, []).append((action, at, actor_id))
    legs = []  # (checked in, checked out, how it ended, technician, request, sequence): every visit of the history
    for pk, steps in events.items():
        pairs = list(zip(steps[::2], steps[1::2], strict=False))
        if (
            len(steps) % 2
            or any(s[0] != "start" or e[0] not in ("wait_parts", "complete") for s, e in pairs)
            or steps[-1][0] != "complete"
            or any(not s[1] < e[1] <= s[1] + HISTORY_VISIT_MAX for s, e in pairs)
            or any(s[1] >= today for s, _e in pairs)  # a visit begun today would be numbered before earlier ones
        ):
            continue
        legs += [(s[1], e[1], e[0], s[2], requests[pk], n) for n, (s, e) in enumerate(pairs, start=1)]
    causes: dict[int, FaultCause | None] = {}
    technicians: dict[int, User] = {}  # by id
    made = 0
    for start, done, ended, technician_id, request, sequence in sorted(legs, key=lambda leg: (leg[0], leg[4].pk)):
        cause = causes[request.pk] if sequence > 1 else causes.setdefault(request.pk, _cause_for(rng, request))
        if cause is None:
            continue
        completed = ended == "complete"
        length = done - start
        diagnosed = start + min(length * 0.2, datetime.timedelta(minutes=15))
        tested = done - min(length * 0.15, datetime.timedelta(minutes=10))
        visit = Visit.objects.create(
            number=_visit_number(start),
            request=request,
            sequence=sequence,
            technician_id=technician_id,
            status=VisitStatus.DONE,
            in_warranty=True,
            checked_in_at=start,
            fault=cause.fault,
            fault_cause=cause,
            inspection_result=f"现场检查：{cause.fault.name}，确认原因为{cause.name}。",
            solution=cause.solution_hint or "按标准流程维修",
            charge_reason=ChargeReason.NONE,
            diagnosed_at=diagnosed,
            work_started_at=diagnosed if completed else None,
            tested_at=tested if completed else None,
            care_instructions="已现场演示使用方法并告知日常保养" if completed else "",
            checked_out_at=done,
            outcome=Outcome.COMPLETED if completed else Outcome.SECOND_VISIT,
            outcome_reason="" if completed else "所需配件车上无货，已申请调拨，到货后预约二次上门",
            first_time_fix=completed and sequence == 1,
            public_token=_token(),
            created_at=start,
        )
        made += 1
        if not completed:
            continue
        CheckRecord.objects.bulk_create(
            CheckRecord(visit=visit, check_item=c, kind=c.kind, text=c.text, result=CheckResult.PASS)
            for c in checks_for(visit)
        )
        Signature.objects.create(
            visit=visit,
            purpose=SignaturePurpose.FORM,
            role=SignerRole.CUSTOMER,
            signer_name=request.contact_name or request.customer.name,
            image=signature_png(_signature(rng)),
            via=SignedVia.PHONE,
            signed_at=tested,
        )
        technician = technicians.get(technician_id) or User.objects.get(pk=technician_id)
        technicians[technician_id] = technician
        technician_sign_form(visit, technician, done)  # by checking out, as ``visit_check_out`` does
    return made


def demo_field(*, rng: random.Random) -> dict:
    """The fault tree and checklists, the history's service forms, then a few demo visits today (see the
    module docstring); the forms and visits only when no visit exists yet."""
    made = fault_tree_ensure()
    fresh = not Visit.objects.exists()
    made["history"] = demo_history_forms(rng=rng) if fresh else 0
    made["visits"] = len(demo_visits(rng=rng, fresh=fresh))
    return made


def demo_load(ctx) -> None:
    made = demo_field(rng=ctx.rng("field"))
    ctx.log(f"{made['visits']} field visits today, {made['history']} service forms of the history")
