"""Quality objects built through the services."""

from __future__ import annotations

from aftersales.complaints.services import complaint_close
from aftersales.complaints.tests.factories import drive_to
from aftersales.quality.services import case_create


def make_case(actor, **kwargs):
    data = {
        "title": "热水器底部漏水",
        "kind": "bad",
        "summary": "安装后第二天热水器底部漏水，客户投诉。",
        "lessons": "安装后必须试水十分钟并检查接口。",
        "tags": "漏水, 热水器",
    }
    data.update(kwargs)
    return case_create(actor=actor, **data)


def closed_complaint(handler, lessons="上门前确认鞋套，离开前清理现场。"):
    complaint = drive_to("followed_up", handler=handler)
    return complaint_close(actor=handler, complaint=complaint, lessons=lessons)
