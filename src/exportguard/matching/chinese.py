"""Chinese script to the romanised forms the lists use: glossary words, place names, pinyin.

A Chinese company name is mostly (place) + (brand) + (business words) + (legal form). The list
entries spell the place and brand in pinyin and translate the business words and legal form,
so we do the same: business words and legal forms through a glossary, the rest through pinyin,
each run of brand syllables joined into one word (华为 -> "huawei").
"""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

#: Business words and legal forms, translated the way the lists translate them.
GLOSSARY: dict[str, str] = {
    "股份有限公司": "co ltd",
    "有限责任公司": "co ltd",
    "有限公司": "co ltd",
    "集团公司": "group co",
    "公司": "co",
    "集团": "group",
    "控股": "holding",
    "股份": "shares",
    "科技": "technology",
    "技术": "technology",
    "信息": "information",
    "通信": "communication",
    "通讯": "communication",
    "电子": "electronic",
    "数字": "digital",
    "智能": "intelligent",
    "网络": "network",
    "软件": "software",
    "系统": "system",
    "设备": "equipment",
    "终端": "terminal",
    "微电子": "microelectronics",
    "集成电路": "integrated circuit",
    "半导体": "semiconductor",
    "计算机": "computer",
    "计算": "computing",
    "研究所": "institute",
    "研究院": "research institute",
    "研究": "research",
    "大学": "university",
    "学院": "institute",
    "实验室": "laboratory",
    "中心": "center",
    "工业": "industry",
    "产业": "industry",
    "贸易": "trading",
    "进出口": "import export",
    "国际": "international",
    "投资": "investment",
    "发展": "development",
    "工程": "engineering",
    "装备": "equipment",
    "制造": "manufacturing",
    "航空": "aviation",
    "航天": "aerospace",
    "船舶": "shipbuilding",
    "能源": "energy",
    "材料": "material",
    "仪器": "instrument",
    "光电": "optoelectronic",
    "先进": "advanced",
    "服务": "service",
    "管理": "management",
    "企业": "enterprise",
    "分公司": "branch",
    "公安局": "public security bureau",
    "人民政府": "people's government",
    "省": "province",
    "市": "",
    "区": "district",
    "县": "county",
    "中国": "china",
}

#: Place names that pinyin alone would glue onto the brand (杭州海康威视 -> hangzhou + haikangweishi).
PLACES: tuple[str, ...] = (
    "北京",
    "上海",
    "天津",
    "重庆",
    "深圳",
    "广州",
    "杭州",
    "南京",
    "武汉",
    "成都",
    "西安",
    "无锡",
    "苏州",
    "宁波",
    "东莞",
    "南昌",
    "长沙",
    "合肥",
    "厦门",
    "青岛",
    "大连",
    "沈阳",
    "哈尔滨",
    "郑州",
    "济南",
    "福州",
    "昆明",
    "贵阳",
    "乌鲁木齐",
    "香港",
    "澳门",
    "台湾",
    "浙江",
    "江苏",
    "广东",
    "四川",
    "湖北",
    "湖南",
    "河南",
    "河北",
    "山东",
    "山西",
    "陕西",
    "安徽",
    "福建",
    "江西",
    "辽宁",
    "吉林",
    "黑龙江",
    "云南",
    "贵州",
    "甘肃",
    "新疆",
    "西藏",
    "内蒙古",
    "广西",
    "宁夏",
    "青海",
    "海南",
    "中关村",
    "珠海",
    "佛山",
    "绵阳",
    "石家庄",
)

_SEGMENTS = sorted({*GLOSSARY, *PLACES}, key=len, reverse=True)
_LONGEST = max(len(segment) for segment in _SEGMENTS)


_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")


def is_cjk(char: str) -> bool:
    """True for a CJK unified ideograph."""
    return _CJK.match(char) is not None


def has_cjk(text: str) -> bool:
    """True when the text contains any Chinese character."""
    return _CJK.search(text) is not None


@lru_cache(maxsize=65536)
def romanize(text: str) -> str:
    """Romanise the Chinese runs of a name; other characters pass through unchanged."""
    out: list[str] = []
    run: list[str] = []
    for char in text:
        if is_cjk(char):
            run.append(char)
            continue
        if run:
            out.append(_romanize_run("".join(run)))
            run = []
        out.append(char)
    if run:
        out.append(_romanize_run("".join(run)))
    return " ".join("".join(out).split())


def _romanize_run(run: str) -> str:
    words: list[str] = []
    brand: list[str] = []
    position = 0
    while position < len(run):
        segment = _segment_at(run, position)
        if segment is None:
            brand.append(run[position])
            position += 1
            continue
        words.extend(_flush(brand))
        words.append(GLOSSARY[segment] if segment in GLOSSARY else _pinyin(segment))
        position += len(segment)
    words.extend(_flush(brand))
    return " " + " ".join(word for word in words if word) + " "


def _segment_at(run: str, position: int) -> str | None:
    window = run[position : position + _LONGEST]
    return next((segment for segment in _SEGMENTS if window.startswith(segment)), None)


def _flush(brand: list[str]) -> list[str]:
    if not brand:
        return []
    word = _pinyin("".join(brand))
    brand.clear()
    return [word]


def _pinyin(chars: str) -> str:
    return "".join(lazy_pinyin(chars, style=Style.NORMAL, errors="ignore"))
