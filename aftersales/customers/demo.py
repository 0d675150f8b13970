"""Demo customers (see ``core.demos``): the service regions, then ~200 customers with one or two
addresses each, written through ``customers.services``. The words are Chinese on purpose (what users
of the product type) and are not translated.

Leaves ``ctx.data["regions"]``: [RegionSpec], and ``ctx.data["customers"]``: [DemoCustomer] (the
demo set's customers, the portal login's first) for the apps above. Options: ``customers`` (200).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from aftersales.core.errors import ConflictError

from .choices import CustomerKind, CustomerTier
from .models import Customer, CustomerAddress, Region
from .services import address_create, customer_create, region_create

DEMO_ORDER = 20
SMALL_CUSTOMERS = 400

# code, name, province, city, district, remote?, latitude, longitude, streets
REGIONS = [
    ("SH-PD", "上海浦东新区", "上海市", "上海市", "浦东新区", False, 31.2215, 121.5447,
     ["世纪大道", "张杨路", "锦绣路", "杨高南路", "东方路", "金科路", "川沙路", "浦建路"]),
    ("SH-XH", "上海徐汇区", "上海市", "上海市", "徐汇区", False, 31.1885, 121.4365,
     ["漕溪北路", "虹桥路", "肇嘉浜路", "龙华中路", "田林路", "宜山路", "天钥桥路"]),
    ("SH-MH", "上海闵行区", "上海市", "上海市", "闵行区", False, 31.1128, 121.3817,
     ["莘庄镇莘建路", "七莘路", "虹井路", "都市路", "沪闵路", "龙吴路", "春申路"]),
    ("BJ-CY", "北京朝阳区", "北京市", "北京市", "朝阳区", False, 39.9219, 116.4436,
     ["建国路", "朝阳北路", "望京西路", "酒仙桥路", "东三环中路", "姚家园路", "广渠路"]),
    ("BJ-HD", "北京海淀区", "北京市", "北京市", "海淀区", False, 39.9593, 116.2982,
     ["中关村大街", "学院路", "西三环北路", "知春路", "上地十街", "万泉河路", "苏州街"]),
    ("GZ-TH", "广州天河区", "广东省", "广州市", "天河区", False, 23.1247, 113.3612,
     ["天河路", "体育西路", "黄埔大道西", "中山大道西", "天河北路", "珠江新城华夏路", "员村二横路"]),
    ("SZ-NS", "深圳南山区", "广东省", "深圳市", "南山区", False, 22.5333, 113.9305,
     ["深南大道", "科技南十二路", "南海大道", "后海大道", "沙河西路", "蛇口望海路", "前海路"]),
    ("HZ-XH", "杭州西湖区", "浙江省", "杭州市", "西湖区", False, 30.2592, 120.1300,
     ["文三路", "天目山路", "教工路", "古墩路", "文一西路", "西溪路", "学院路"]),
    ("SZ-SIP", "苏州工业园区", "江苏省", "苏州市", "工业园区", False, 31.3175, 120.7233,
     ["星湖街", "现代大道", "金鸡湖大道", "苏州大道东", "星海街", "东环路", "唯亭星华街"]),
    ("CD-WH", "成都武侯区", "四川省", "成都市", "武侯区", False, 30.6424, 104.0432,
     ["人民南路四段", "科华北路", "武侯祠大街", "高升桥路", "佳灵路", "二环路南四段", "机场路"]),
    ("YN-GS", "云南怒江州贡山县", "云南省", "怒江傈僳族自治州", "贡山独龙族怒族自治县", True, 27.7409, 98.6661,
     ["茨开镇丹当村", "丙中洛镇", "独龙江乡孔当村", "普拉底乡"]),
    ("XZ-MT", "西藏林芝市墨脱县", "西藏自治区", "林芝市", "墨脱县", True, 29.3259, 95.3322,
     ["墨脱镇", "背崩乡", "达木珞巴民族乡"]),
    ("QH-ZD", "青海玉树州杂多县", "青海省", "玉树藏族自治州", "杂多县", True, 32.8932, 95.3005,
     ["萨呼腾镇", "结多乡", "扎青乡"]),
    ("XJ-HBH", "新疆阿勒泰地区哈巴河县", "新疆维吾尔自治区", "阿勒泰地区", "哈巴河县", True, 48.0597, 86.4186,
     ["阿克齐镇", "萨尔布拉克镇", "齐巴尔镇"]),
    ("SC-LT", "四川甘孜州理塘县", "四川省", "甘孜藏族自治州", "理塘县", True, 29.9967, 100.2699,
     ["高城镇", "甲洼镇", "禾尼乡"]),
]  # fmt: skip

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = [
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "建国", "红梅", "志强", "海燕", "晓东", "丹",
    "鹏", "辉", "玲", "雪", "婷", "宇", "浩然", "子涵", "欣怡", "梓萱", "雨泽", "思远", "佳怡", "一鸣", "嘉豪",
    "俊杰", "诗涵", "晨曦", "若曦", "家乐", "国庆", "卫东", "淑珍", "丽娟", "春梅", "晓燕", "志明", "海涛",
]  # fmt: skip

COMPANY_PREFIXES = ["锦江", "汉庭", "万达", "绿城", "碧桂园", "华润", "招商", "保利", "东方", "盛世", "瑞丰", "恒信"]
COMPANY_KINDS = ["酒店管理有限公司", "物业服务有限公司", "公寓管理有限公司", "餐饮管理有限公司", "科技有限公司",
                 "养老服务中心", "学校后勤处", "连锁酒店（分店）"]  # fmt: skip

MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139",
                   "150", "151", "152", "153", "155", "156", "157", "158", "159",
                   "180", "181", "182", "183", "185", "186", "187", "188", "189"]  # fmt: skip

ADDRESS_LABELS = ["家", "公司", "父母家", "出租屋", "门店"]


@dataclass
class RegionSpec:
    region: Region
    province: str
    city: str
    district: str
    remote: bool
    latitude: float
    longitude: float
    streets: list[str]


@dataclass
class DemoCustomer:
    customer: Customer
    addresses: list[CustomerAddress]
    region: RegionSpec


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile_number(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def company_name(rng: random.Random, city: str) -> str:
    return city.removesuffix("市") + rng.choice(COMPANY_PREFIXES) + rng.choice(COMPANY_KINDS)


def street_address(rng: random.Random, spec: RegionSpec) -> str:
    if spec.remote:
        return f"{rng.choice(spec.streets)}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
    return (
        f"{rng.choice(spec.streets)}{rng.randint(1, 2000)}号"
        f"{rng.randint(1, 30)}幢{rng.randint(1, 3)}单元{rng.randint(1, 32)}{rng.randint(1, 4):02d}室"
    )


def coordinate_near(rng: random.Random, spec: RegionSpec) -> tuple[Decimal, Decimal]:
    spread = 0.12 if spec.remote else 0.05
    lat = Decimal(f"{spec.latitude + rng.uniform(-spread, spread):.6f}")
    lng = Decimal(f"{spec.longitude + rng.uniform(-spread, spread):.6f}")
    return lat, lng


def region_weights(regions: list[RegionSpec]) -> list[int]:
    """Most customers live in the cities, a few in the remote regions."""
    return [1 if r.remote else 6 for r in regions]


def demo_reference(ctx) -> None:
    """Create (or find) the demo service regions."""
    admin = ctx.data["users"]["admin"]
    existing = {r.code: r for r in Region.objects.filter(code__in=[r[0] for r in REGIONS])}
    regions = []
    for code, name, province, city, district, remote, lat, lng, streets in REGIONS:
        region = existing.get(code) or region_create(
            actor=admin,
            code=code,
            name=name,
            province=province,
            city=city,
            region_class="remote" if remote else "urban",
        )
        regions.append(RegionSpec(region, province, city, district, remote, lat, lng, streets))
    ctx.data["regions"] = regions


def _customer(rng: random.Random, ctx, *, regions: list[RegionSpec], user=None) -> DemoCustomer:
    users = ctx.data["users"]
    spec = rng.choices(regions, weights=region_weights(regions))[0]
    company = user is None and rng.random() < 0.1
    name = f"{user.last_name}{user.first_name}" if user else person_name(rng)
    for _attempt in range(20):
        try:
            customer = customer_create(
                actor=users["agent"],
                name=name,
                phone=mobile_number(rng),
                kind=CustomerKind.COMPANY if company else CustomerKind.PERSON,
                company_name=company_name(rng, spec.city) if company else "",
                email=f"{rng.randrange(10**8, 10**10)}@qq.com" if rng.random() < 0.3 else "",
                tier_override=CustomerTier.VIP if rng.random() < 0.04 else None,
                notes="企业客户，月结" if company else "",
                user=user,
            )
            break
        except ConflictError:
            continue
    addresses = []
    for i in range(1 if rng.random() < 0.7 else 2):
        lat, lng = coordinate_near(rng, spec)
        addresses.append(
            address_create(
                actor=users["admin"],
                customer=customer,
                label=("公司" if company else ADDRESS_LABELS[i]),
                province=spec.province,
                city=spec.city,
                district=spec.district,
                street=street_address(rng, spec),
                region=spec.region,
                latitude=lat,
                longitude=lng,
            )
        )
    return DemoCustomer(customer, addresses, spec)


def demo_load(ctx) -> None:
    """The demo set's customers; the first one is the portal login's (unless it has one already)."""
    rng = ctx.rng("customers")
    portal = ctx.data["users"]["customer"]
    count = ctx.option("customers", SMALL_CUSTOMERS)
    made = []
    with ctx.bar(count, "customers", unit="customer") as bar:
        for i in range(count):
            user = portal if i == 0 and not hasattr(portal, "customer") else None
            made.append(_customer(rng, ctx, regions=ctx.data["regions"], user=user))
            bar.update(1)
    ctx.data["customers"] = made
    ctx.log(f"{count} customers")
