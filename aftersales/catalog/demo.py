"""Demo catalog (see ``core.demos``): product categories and products, then one to three product
units for each demo customer, registered through ``catalog.services``.

Leaves ``ctx.data["products"]``: [ProductSpec], and ``ctx.data["units"]``: {customer id: [ProductUnit]}
for the apps above.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

from aftersales.core.demos import weighted
from aftersales.core.errors import ConflictError

from .choices import PurchaseChannel
from .models import Product, ProductCategory
from .services import category_create, product_create, unit_register

DEMO_ORDER = 30

# code, name, kind (furniture / appliance / electronics / parts)
CATEGORIES = [
    ("SOFA", "沙发", "furniture"),
    ("MATTRESS", "床垫", "furniture"),
    ("WARDROBE", "衣柜", "furniture"),
    ("DINING", "餐桌椅", "furniture"),
    ("AC", "空调", "appliance"),
    ("FRIDGE", "冰箱", "appliance"),
    ("WASHER", "洗衣机", "appliance"),
    ("WATERHEATER", "热水器", "appliance"),
    ("TV", "电视", "electronics"),
    ("PARTS", "工业配件", "parts"),
]

# category code, model code, name, brand, warranty months
PRODUCTS = [
    ("SOFA", "HX-SF-3201", "意式极简真皮三人位沙发", "华信家居", 36),
    ("SOFA", "HX-SF-2108", "北欧布艺转角沙发（科技布）", "华信家居", 36),
    ("SOFA", "HX-SF-5520", "电动功能单人沙发", "华信家居", 36),
    ("MATTRESS", "HX-MT-1800", "独立袋装弹簧乳胶床垫 1.8m", "华信睡眠", 36),
    ("MATTRESS", "HX-MT-1500", "椰棕硬质护脊床垫 1.5m", "华信睡眠", 36),
    ("MATTRESS", "HX-MT-2000", "记忆棉分区支撑床垫 2.0m", "华信睡眠", 36),
    ("WARDROBE", "HX-WD-4D", "四门推拉实木衣柜", "华信家居", 36),
    ("WARDROBE", "HX-WD-CUS", "全屋定制入墙衣柜", "华信家居", 36),
    ("WARDROBE", "HX-WD-2D", "两门平开板式衣柜", "华信家居", 36),
    ("DINING", "HX-DT-1406", "岩板餐桌一桌六椅", "华信家居", 36),
    ("DINING", "HX-DT-RD12", "实木圆餐桌带转盘", "华信家居", 36),
    ("AC", "KFR-35GW/BP3", "变频壁挂式空调 1.5匹 一级能效", "华凌", 72),
    ("AC", "KFR-72LW/BP2", "立柜式变频空调 3匹", "华凌", 72),
    ("AC", "KFR-26GW/N1", "定频壁挂空调 大1匹", "华凌", 72),
    ("FRIDGE", "BCD-520WP", "对开门风冷无霜冰箱 520升", "海信", 36),
    ("FRIDGE", "BCD-405WT", "十字对开门冰箱 405升", "海信", 36),
    ("FRIDGE", "BCD-215TD", "双门直冷冰箱 215升", "海信", 24),
    ("WASHER", "XQG100-BD14", "滚筒洗衣机 10公斤 洗烘一体", "小天鹅", 36),
    ("WASHER", "TB80-V23", "波轮洗衣机 8公斤", "小天鹅", 12),
    ("WASHER", "XQG90-HB12", "热泵干衣机 9公斤", "小天鹅", 24),
    ("WATERHEATER", "JSQ30-16WT", "燃气热水器 16升 零冷水", "万和", 36),
    ("WATERHEATER", "F60-15A3", "电热水器 60升 一级能效", "万和", 24),
    ("TV", "65E7K", "65英寸 MiniLED 智能电视", "海信", 12),
    ("TV", "55A6K", "55英寸 4K 超高清电视", "海信", 12),
    ("TV", "75U8K", "75英寸 ULED 电视", "海信", 12),
    ("TV", "43E3K", "43英寸 全高清电视", "海信", 12),
    ("PARTS", "PT-CMP-R32", "压缩机组件 R32", "华凌配件", 6),
    ("PARTS", "PT-PCB-AC35", "空调主控板", "华凌配件", 6),
    ("PARTS", "PT-MTR-DD10", "直驱电机（洗衣机）", "小天鹅配件", 6),
    ("PARTS", "PT-HNG-SOFT", "阻尼铰链（衣柜门）一套", "华信配件", 6),
]

# purchase channel -> store names
STORES = {
    "store": [
        "红星美凯龙{city}店",
        "居然之家{city}店",
        "苏宁易购{city}旗舰店",
        "国美电器{city}店",
        "华信家居{city}直营店",
    ],
    "online": ["京东自营", "天猫旗舰店", "拼多多官方店", "抖音官方旗舰店", "华信官方商城"],
    "distributor": ["{city}华信家电经销部", "{city}安居家具批发", "{city}恒通电器"],
    "project": ["精装修楼盘配套", "酒店集采项目", "企业团购"],
    "other": ["朋友转让", "以旧换新活动", "展会现场购买"],
}

PURCHASE_CHANNEL_WEIGHTS = {
    PurchaseChannel.STORE: 45,
    PurchaseChannel.ONLINE: 35,
    PurchaseChannel.DISTRIBUTOR: 10,
    PurchaseChannel.PROJECT: 6,
    PurchaseChannel.OTHER: 4,
}


@dataclass
class ProductSpec:
    product: Product
    category_code: str
    kind: str  # furniture / appliance / electronics / parts


def store_for(rng: random.Random, channel: str, city: str) -> str:
    return rng.choice(STORES[channel]).format(city=city.removesuffix("市"))


def demo_reference(ctx) -> None:
    """Create (or find) the demo categories and products."""
    admin = ctx.data["users"]["admin"]
    categories = {c.code: c for c in ProductCategory.objects.filter(code__in=[c[0] for c in CATEGORIES])}
    kinds = {}
    for code, name, kind in CATEGORIES:
        kinds[code] = kind
        if code not in categories:
            categories[code] = category_create(actor=admin, code=code, name=name)
    existing = {p.model_code: p for p in Product.objects.filter(model_code__in=[p[1] for p in PRODUCTS])}
    products = []
    for cat, model_code, name, brand, months in PRODUCTS:
        product = existing.get(model_code) or product_create(
            actor=admin,
            model_code=model_code,
            name=name,
            category=categories[cat],
            warranty_months=months,
            brand=brand,
        )
        products.append(ProductSpec(product, cat, kinds[cat]))
    ctx.data["products"] = products


def _units(rng: random.Random, ctx, demo_customer) -> list:
    admin = ctx.data["users"]["admin"]
    today = timezone.localdate()
    city = demo_customer.region.city
    units = []
    for _i in range(rng.choice((1, 1, 2, 2, 3))):
        pspec = rng.choice(ctx.data["products"])
        purchase = today - datetime.timedelta(days=rng.randint(61, 5 * 365))
        channel = weighted(rng, PURCHASE_CHANNEL_WEIGHTS)
        installed = purchase + datetime.timedelta(days=rng.randint(0, 10)) if pspec.kind != "parts" else None
        for _attempt in range(20):
            serial = f"{pspec.product.model_code.split('-')[0][:3]}{purchase:%y%m}{rng.randrange(10**7):07d}"
            try:
                units.append(
                    unit_register(
                        actor=admin,
                        product=pspec.product,
                        serial_number=serial,
                        owner=demo_customer.customer,
                        purchase_date=purchase,
                        purchase_channel=channel,
                        store_name=store_for(rng, channel, city),
                        invoice_number=f"{rng.randrange(10**11, 10**12)}" if rng.random() < 0.7 else "",
                        installation_date=installed,
                        address=rng.choice(demo_customer.addresses),
                    )
                )
                break
            except ConflictError:
                continue
    return units


def demo_load(ctx) -> None:
    """One to three units for each customer of the demo set, bought two months to five years ago."""
    rng = ctx.rng("catalog")
    ctx.data["units"] = {c.customer.pk: _units(rng, ctx, c) for c in ctx.data.get("customers", [])}
