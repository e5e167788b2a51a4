"""Country names as OFAC, BIS and the UN spell them, mapped to ISO 3166-1 alpha-2 codes.

Covers the countries present in the OFAC SDN address files of 2019-2021, the 2026 Entity List and the
UN consolidated list of 2026-02 (its formal names, such as "Iran (Islamic Republic of)"); regions OFAC
lists separately (Crimea, Gaza, West Bank) map to the country code ISO assigns them.
"""

from __future__ import annotations

_NAMES = """
AF Afghanistan|AL Albania|DZ Algeria|AO Angola|AR Argentina|AM Armenia|AW Aruba|AU Australia|AT Austria
AZ Azerbaijan|BS Bahamas, The|BS Bahamas|BH Bahrain|BD Bangladesh|BB Barbados|BY Belarus|BE Belgium|BZ Belize
BJ Benin|BO Bolivia|BA Bosnia and Herzegovina|BR Brazil|BN Brunei|BG Bulgaria|BF Burkina Faso|MM Burma
BI Burundi|KH Cambodia|CA Canada|KY Cayman Islands|CF Central African Republic|CL Chile|CN China|CO Colombia
KM Comoros|CD Congo, Democratic Republic of the|CG Congo, Republic of the|CR Costa Rica|CI Cote d Ivoire
HR Croatia|CU Cuba|CY Cyprus|CZ Czech Republic|CZ Czechia|DK Denmark|DM Dominica|DO Dominican Republic
EC Ecuador|EG Egypt|SV El Salvador|GQ Equatorial Guinea|ER Eritrea|EE Estonia|ET Ethiopia|FI Finland|FR France
GE Georgia|DE Germany|GH Ghana|GI Gibraltar|GR Greece|GT Guatemala|GY Guyana|HT Haiti|HN Honduras|HK Hong Kong
HU Hungary|IN India|ID Indonesia|IR Iran|IQ Iraq|IE Ireland|IL Israel|IT Italy|JM Jamaica|JP Japan|JE Jersey
JO Jordan|KZ Kazakhstan|KE Kenya|KP Korea, North|KR Korea, South|KR South Korea|XK Kosovo|KW Kuwait|KG Kyrgyzstan|LA Laos
LV Latvia|LB Lebanon|LR Liberia|LY Libya|LI Liechtenstein|LT Lithuania|LU Luxembourg|MO Macau|MG Madagascar|MY Malaysia
MV Maldives|ML Mali|MT Malta|MH Marshall Islands|MR Mauritania|MX Mexico|MD Moldova|MN Mongolia|ME Montenegro
MA Morocco|MZ Mozambique|NA Namibia|NL Netherlands|AN Netherlands Antilles|NZ New Zealand|NI Nicaragua|NE Niger
NG Nigeria|MK North Macedonia|NO Norway|OM Oman|PK Pakistan|PW Palau|PS Palestinian|PA Panama|PY Paraguay|PE Peru
PH Philippines|PL Poland|PT Portugal|QA Qatar|UA Region: Crimea|UA Crimea Region of Ukraine|PS Region: Gaza|SD Region: Kafia Kingi
ML Region: Northern Mali|RO Romania|RU Russia|RW Rwanda|KN Saint Kitts and Nevis
VC Saint Vincent and the Grenadines|WS Samoa|SA Saudi Arabia|SN Senegal|RS Serbia|SC Seychelles|SL Sierra Leone
SG Singapore|SK Slovakia|SI Slovenia|SO Somalia|ZA South Africa|SS South Sudan|ES Spain|LK Sri Lanka|SD Sudan
SE Sweden|CH Switzerland|SY Syria|TW Taiwan|TJ Tajikistan|TZ Tanzania|TH Thailand|GM The Gambia|GM Gambia
TT Trinidad and Tobago|TN Tunisia|TR Turkey|TR Türkiye|TM Turkmenistan|UG Uganda|UA Ukraine
AE United Arab Emirates|GB United Kingdom|US United States|UY Uruguay|UZ Uzbekistan|VU Vanuatu|VE Venezuela
VN Vietnam|VG Virgin Islands, British|PS West Bank|YE Yemen|ZW Zimbabwe
KP Democratic People's Republic of Korea|CD Democratic Republic of the Congo|SY Syrian Arab Republic
IR Iran (Islamic Republic of)|GB United Kingdom of Great Britain and Northern Ireland|RU Russian Federation
US United States of America|GW Guinea-Bissau|TZ United Republic of Tanzania|TD Chad|PS State of Palestine|GA Gabon
MM Myanmar|VN Viet Nam|HK China, Hong Kong Special Administrative Region|VG British Virgin Islands
"""

ISO2_BY_NAME: dict[str, str] = {
    entry[3:].strip().casefold(): entry[:2]
    for entry in _NAMES.replace("\n", "|").split("|")
    if entry.strip()
}


def iso2(name: str) -> str | None:
    """The ISO-2 code for a country name as the US lists spell it, or None when unknown."""
    return ISO2_BY_NAME.get(" ".join(name.split()).casefold())


#: Every ISO 3166-1 alpha-2 code assigned to a country or territory, plus the codes the lists still use:
#: XK (Kosovo, user-assigned) and AN (Netherlands Antilles, withdrawn 2010).
ISO_ALPHA2: frozenset[str] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY
    BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK
    FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR
    IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK
    ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK AN
    """.split()
)
