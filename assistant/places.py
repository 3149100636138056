"""Places and fields of law named in a text, in English and Chinese.

A sentence that moves a rule to another country ("in Brazil") or another field ("for patents")
keeps every other word of its source, so word overlap cannot catch it: the place or field itself
must be borne out by the passage. A place counts as borne out by any name that establishes it (a
passage about the Beijing Internet Court establishes China). The same lists let a question about a
place or field the library never mentions be refused before the model is called.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Each place: the names that establish it. The library's jurisdictions carry their courts' cities.
PLACES: dict[str, tuple[str, ...]] = {
    "CN": ("china", "chinese", "prc", "people's republic of china", "beijing", "shanghai", "guangzhou", "hangzhou",
           "shenzhen", "changshu", "zhangjiagang", "nanshan", "huangpu", "suzhou", "jiangsu", "zhejiang",
           "中国", "我国", "北京", "上海", "广州", "杭州", "深圳", "常熟", "张家港", "南山", "黄浦", "苏州", "江苏", "浙江"),
    "US": ("united states", "u.s.", "usa", "american", "america", "california", "new york", "delaware",
           "colorado", "district of columbia", "d.c.", "usco", "copyright office", "美国", "联邦", "加州", "纽约", "特拉华"),
    "UK": ("united kingdom", "u.k.", "britain", "british", "england", "wales", "scotland", "cdpa",
           "英国", "英格兰", "威尔士"),
    "EU": ("european union", "eu", "european", "europe", "cjeu", "欧盟", "欧洲"),
    "JP": ("japan", "japanese", "日本"),
    "KR": ("korea", "korean", "south korea", "韩国", "南韩"),
    "DE": ("germany", "german", "hamburg", "munich", "münchen", "德国", "汉堡", "慕尼黑"),
    "CZ": ("czech", "czechia", "prague", "捷克", "布拉格"),
    "IN": ("india", "indian", "delhi", "印度", "德里"),
    "BR": ("brazil", "brazilian", "巴西"),
    "FR": ("france", "french", "paris", "法国", "巴黎"),
    "IT": ("italy", "italian", "意大利"),
    "ES": ("spain", "spanish", "西班牙"),
    "NL": ("netherlands", "dutch", "荷兰"),
    "CA": ("canada", "canadian", "加拿大"),
    "AU": ("australia", "australian", "澳大利亚", "澳洲"),
    "NZ": ("new zealand", "新西兰"),
    "RU": ("russia", "russian", "俄罗斯"),
    "MX": ("mexico", "mexican", "墨西哥"),
    "AR": ("argentina", "argentine", "阿根廷"),
    "CL": ("chile", "chilean", "智利"),
    "CO": ("colombia", "colombian", "哥伦比亚"),
    "ZA": ("south africa", "south african", "南非"),
    "NG": ("nigeria", "nigerian", "尼日利亚"),
    "KE": ("kenya", "kenyan", "肯尼亚"),
    "EG": ("egypt", "egyptian", "埃及"),
    "SG": ("singapore", "singaporean", "新加坡"),
    "HK": ("hong kong", "香港"),
    "TW": ("taiwan", "taiwanese", "台湾"),
    "CH": ("switzerland", "swiss", "瑞士"),
    "SE": ("sweden", "swedish", "瑞典"),
    "NO": ("norway", "norwegian", "挪威"),
    "DK": ("denmark", "danish", "丹麦"),
    "FI": ("finland", "finnish", "芬兰"),
    "PL": ("poland", "polish", "波兰"),
    "AT": ("austria", "austrian", "奥地利"),
    "BE": ("belgium", "belgian", "比利时"),
    "IE": ("ireland", "irish", "爱尔兰"),
    "PT": ("portugal", "portuguese", "葡萄牙"),
    "GR": ("greece", "greek", "希腊"),
    "TR": ("turkey", "turkish", "türkiye", "土耳其"),
    "IL": ("israel", "israeli", "以色列"),
    "SA": ("saudi arabia", "saudi", "沙特"),
    "AE": ("united arab emirates", "uae", "emirati", "dubai", "阿联酋", "迪拜"),
    "ID": ("indonesia", "indonesian", "印度尼西亚", "印尼"),
    "MY": ("malaysia", "malaysian", "马来西亚"),
    "TH": ("thailand", "thai", "泰国"),
    "VN": ("vietnam", "vietnamese", "越南"),
    "PH": ("philippines", "philippine", "filipino", "菲律宾"),
    "PK": ("pakistan", "pakistani", "巴基斯坦"),
    "UA": ("ukraine", "ukrainian", "乌克兰"),
}

# Fields of law other than copyright, which a sentence may wrongly move a copyright rule into.
FIELDS: dict[str, tuple[str, ...]] = {
    "patent": ("patent", "patents", "patented", "patentable", "patentability", "inventor", "inventorship", "专利",
               "发明人"),
    "trade mark": ("trade mark", "trade marks", "trademark", "trademarks", "商标"),
    "trade secret": ("trade secret", "trade secrets", "商业秘密"),
    "design right": ("design right", "design rights", "industrial design", "外观设计"),
    "privacy": ("privacy", "personal data", "data protection", "gdpr", "隐私", "个人信息"),
    "defamation": ("defamation", "libel", "slander", "诽谤", "名誉权"),
    "criminal": ("criminal", "prosecution", "prison", "imprisonment", "刑事", "刑罚", "监禁"),
    "tax": ("tax", "taxes", "taxation", "税"),
    "antitrust": ("antitrust", "competition law", "monopoly", "反垄断", "垄断"),
    "contract": ("breach of contract", "违约"),
    "labour": ("employment law", "labour law", "labor law", "劳动法"),
}


def _pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """Whole-word matches for Latin names ("eu" is not in "neutral"), plain matches for Chinese."""
    parts = [re.escape(n) if not n.isascii() else rf"(?<![A-Za-z]){re.escape(n)}(?![A-Za-z])" for n in names]
    return re.compile("|".join(parts), re.IGNORECASE)


@lru_cache(maxsize=1)
def _patterns() -> tuple[dict[str, re.Pattern[str]], dict[str, re.Pattern[str]]]:
    return ({code: _pattern(names) for code, names in PLACES.items()},
            {field: _pattern(names) for field, names in FIELDS.items()})


def places_in(text: str) -> set[str]:
    """The places a text names, as codes ("CN", "BR"…)."""
    places, _ = _patterns()
    return {code for code, pattern in places.items() if pattern.search(text)}


def fields_in(text: str) -> set[str]:
    """The fields of law other than copyright a text names ("patent", "trade mark"…)."""
    _, fields = _patterns()
    return {field for field, pattern in fields.items() if pattern.search(text)}


def pattern_of(key: str) -> re.Pattern[str] | None:
    """The pattern of a place code or a field name (None for neither)."""
    places, fields = _patterns()
    return places.get(key) or fields.get(key)


def place_names(code: str) -> tuple[str, ...]:
    return PLACES.get(code, ())


def field_names(field: str) -> tuple[str, ...]:
    return FIELDS.get(field, ())
