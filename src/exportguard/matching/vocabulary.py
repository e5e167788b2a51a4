"""Word lists the normaliser relies on: legal forms, abbreviations, generic business words.

Kept as plain data so an analyst can read (and correct) exactly what the engine treats as weak.
"""

from __future__ import annotations

#: Multi-word and single-word legal forms, mapped to one canonical weak token each.
#: They count a little towards a match (agreement) but never make or break one.
LEGAL_FORMS: dict[str, str] = {
    "company limited": "ltd",
    "co limited": "ltd",
    "co ltd": "ltd",
    "limited": "ltd",
    "ltd": "ltd",
    "private limited": "ltd",
    "pvt ltd": "ltd",
    "pte ltd": "ltd",
    "pty ltd": "ltd",
    "pte": "ltd",
    "pvt": "ltd",
    "limited liability company": "llc",
    "l l c": "llc",
    "llc": "llc",
    "llp": "llp",
    "lp": "lp",
    "incorporated": "inc",
    "inc": "inc",
    "corporation": "corp",
    "corp": "corp",
    "company": "co",
    "co": "co",
    "public limited company": "plc",
    "plc": "plc",
    "joint stock company": "jsc",
    "jsc": "jsc",
    "ojsc": "jsc",
    "cjsc": "jsc",
    "pjsc": "jsc",
    "oao": "jsc",
    "zao": "jsc",
    "pao": "jsc",
    "ao": "jsc",
    "open joint stock company": "jsc",
    "closed joint stock company": "jsc",
    "ooo": "llc",
    "tov": "llc",
    "obshchestvo s ogranichennoy otvetstvennostyu": "llc",
    "aktiengesellschaft": "ag",
    "gesellschaft": "gmbh",
    "gmbh": "gmbh",
    "ag": "ag",
    "kg": "kg",
    "sa": "sa",
    "s a": "sa",
    "sarl": "sarl",
    "srl": "srl",
    "spa": "spa",
    "s p a": "spa",
    "bv": "bv",
    "b v": "bv",
    "nv": "nv",
    "n v": "nv",
    "ab": "ab",
    "as": "as",
    "oy": "oy",
    "kk": "kk",
    "kabushiki kaisha": "kk",
    "sdn bhd": "bhd",
    "bhd": "bhd",
    "fze": "fze",
    "fzco": "fze",
    "fzc": "fze",
    "fzllc": "fze",
    "est": "est",
    "establishment": "est",
    "sociedad anonima": "sa",
    "de cv": "cv",
    "cv": "cv",
    "sa de cv": "sa",
    "s a de c v": "sa",
    "de c v": "cv",
    "c v": "cv",
    "jv": "jv",
    "joint venture": "jv",
    "joint stock": "jsc",
    "closed joint stock": "jsc",
    "open joint stock": "jsc",
    "limited liability": "llc",
    "limited liability partnership": "llp",
    "private": "ltd",
    "public joint stock company": "jsc",
    "sro": "sro",
    "spol sro": "sro",
    "kft": "kft",
    "zrt": "zrt",
    "doo": "doo",
    "ood": "ood",
    "eood": "ood",
    "ltda": "ltda",
    "pty": "pty",
    "oyj": "oyj",
    "bvba": "bvba",
    "sprl": "sprl",
}

#: Abbreviations and inflections folded onto one spelling, applied to both sides alike.
ABBREVIATIONS: dict[str, str] = {
    "tech": "technology",
    "techs": "technology",
    "technologies": "technology",
    "technological": "technology",
    "technique": "technology",
    "intl": "international",
    "int'l": "international",
    "comm": "communication",
    "comms": "communication",
    "communications": "communication",
    "telecom": "telecommunication",
    "telecommunications": "telecommunication",
    "grp": "group",
    "elec": "electronic",
    "electronics": "electronic",
    "sci": "science",
    "sciences": "science",
    "scientific": "science",
    "inst": "institute",
    "univ": "university",
    "mfg": "manufacturing",
    "dev": "development",
    "eng": "engineering",
    "engg": "engineering",
    "info": "information",
    "ind": "industry",
    "inds": "industry",
    "industries": "industry",
    "industrial": "industry",
    "natl": "national",
    "svc": "service",
    "svcs": "service",
    "services": "service",
    "sys": "system",
    "systems": "system",
    "equip": "equipment",
    "network": "network",
    "networks": "network",
    "hldg": "holding",
    "hldgs": "holding",
    "holdings": "holding",
    "invest": "investment",
    "investments": "investment",
    "mgmt": "management",
    "dept": "department",
    "ctr": "center",
    "centre": "center",
    "bros": "brothers",
    "assoc": "association",
    "assn": "association",
    "ent": "enterprise",
    "enterprises": "enterprise",
    "trading": "trade",
    "tradings": "trade",
    "products": "product",
    "prod": "product",
    "mach": "machinery",
    "st": "saint",
    "materials": "material",
    "instruments": "instrument",
    "devices": "device",
    "solutions": "solution",
    "institutes": "institute",
    "laboratories": "laboratory",
    "labs": "laboratory",
    "lab": "laboratory",
    "shipping": "ship",
    "ships": "ship",
    "aviation": "aviation",
    "aerospace": "aerospace",
}

#: Words so common in company names that, alone, they never make a hit.
GENERIC_WORDS: frozenset[str] = frozenset(
    """
    the of and for de la le el al du des der und y e a an in at on to by von van da di technology
    science information development electronic engineering research institute university
    international national global general trade group holding industry service system network
    communication telecommunication equipment import export logistics ship center investment
    management enterprise factory product manufacturing machinery digital energy power solution
    company corporation limited bank commercial business new world china chinese russia russian iran
    iranian united state material instrument device laboratory academy association department
    ministry office branch agency bureau foundation council committee federal republic public
    security police government east west north south central first second third advanced applied
    integrated precision smart software hardware computer computing data micro microelectronic
    semiconductor circuit chip electric aviation aerospace marine oil gas petroleum chemical
    petrochemical mining metal steel construction transport transportation express travel tour trust
    finance financial capital exchange insurance partner partners consulting consultant project
    projects design creative media
    """.split()
)

#: Place names: informative, but customers often drop them ("Hikvision" for "Hangzhou Hikvision").
PLACE_WORDS: frozenset[str] = frozenset(
    """
    beijing shanghai tianjin chongqing shenzhen guangzhou hangzhou nanjing wuhan chengdu xian wuxi
    suzhou ningbo dongguan nanchang changsha hefei xiamen qingdao dalian shenyang harbin zhengzhou
    jinan fuzhou kunming guiyang urumqi hong kong macau taiwan zhejiang jiangsu guangdong sichuan
    hubei hunan henan hebei shandong shanxi shaanxi anhui fujian jiangxi liaoning jilin heilongjiang
    yunnan guizhou gansu xinjiang tibet mongolia guangxi ningxia qinghai hainan zhuhai foshan
    mianyang shijiazhuang moscow petersburg tehran dubai karachi lahore istanbul kowloon singapore
    usa america american uk britain british europe european germany german japan japanese korea korean
    india indian canada canadian australia australian france french italy italia malaysia thailand vietnam
    indonesia turkey emirates uae brazil mexico
    """.split()
)

#: Words naming a kind of body that is not a company (an institute, a university, a ministry): a name with one of
#: them and no legal form is an institution, a name with a legal form and none of them a company.
INSTITUTION_WORDS: frozenset[str] = frozenset(
    """
    institute university academy college school hospital ministry bureau council committee foundation
    association society museum
    """.split()
)
