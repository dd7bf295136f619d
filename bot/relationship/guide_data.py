"""Country guides: practical, factual notes a buyer checks before working with a supplier's country.

The work week comes from the `holidays` package (the same weekend SLAs and digests use), holiday periods
from its calendars, language names and date formats from CLDR; what people wrote is here, translated
like every other text (lazy: the reader's locale is known only when a guide is shown)."""

from __future__ import annotations

from dataclasses import dataclass

from babel.support import LazyProxy

from bot.core.i18n import lazy_gettext


@dataclass(frozen=True)
class GuideText:
    """What CLDR and the holiday calendars do not say about a country."""

    hours: str  # usual office hours, local time
    languages: tuple[str, ...]  # language codes, named in the reader's language by Babel
    address: LazyProxy  # forms of address and name order
    tips: LazyProxy  # communication tips and the periods when work slows


GUIDES: dict[str, GuideText] = {
    "CN": GuideText("08:30–17:30", ("zh",),
        lazy_gettext("Family name first (Wang Wei: Mr Wang). Use the family name with Mr or Ms, or with a job title "
           "(Manager Wang); use given names only when invited."),
        lazy_gettext("WeChat often runs alongside email: confirm prices, dates and specifications in writing. Most "
           "factories close for two to four weeks around the Spring Festival; place orders well before.")),
    "VN": GuideText("08:00–17:00", ("vi",),
        lazy_gettext("Family name first, but people are addressed by their given name, the last part (Nguyen Van An: "
           "Mr An)."),
        lazy_gettext("Zalo is widely used for work messages. Tet, the Lunar New Year, stops most production for one to "
           "two weeks.")),
    "IN": GuideText("09:30–18:00", ("hi", "en"),
        lazy_gettext("Given name first, family name last; use Mr or Ms with the family name. Naming customs vary by "
           "region, and some people use one name only."),
        lazy_gettext("English is the usual business language. Many factories work six days a week; plan around Diwali "
           "and regional festivals.")),
    "BD": GuideText("09:00–17:00", ("bn", "en"),
        lazy_gettext("Given name first; use Mr or Ms with the last name. Colleagues often say Bhai (brother) or Apa "
           "(sister) after a given name."),
        lazy_gettext("The work week runs from Sunday to Thursday. Garment factories close for about a week around each "
           "Eid.")),
    "TR": GuideText("09:00–18:00", ("tr",),
        lazy_gettext("Given name first; address people by given name followed by Bey (men) or Hanım (women), e.g. Ahmet "
           "Bey."),
        lazy_gettext("Personal relationships and meetings in person count. Work slows during the Ramadan Feast and the "
           "Sacrifice Feast.")),
    "MX": GuideText("09:00–18:00", ("es",),
        lazy_gettext("Given names, then the father's and the mother's family names; use Señor or Señora, or titles such "
           "as Licenciado or Ingeniero, with the first family name."),
        lazy_gettext("A phone or video call often settles more than an email. Holy Week and the weeks from mid-December "
           "to early January are slow.")),
    "DE": GuideText("08:00–17:00", ("de",),
        lazy_gettext("Given name first; use Herr or Frau with the family name and the formal Sie until invited to use "
           "first names. Academic titles (Dr.) are part of the name."),
        lazy_gettext("Punctuality and precise written specifications are expected and followed. Summer holidays often "
           "last two to three weeks.")),
    "IT": GuideText("09:00–18:00", ("it",),
        lazy_gettext("Given name first; use Signor or Signora, or a title such as Dottore or Ingegnere, with the family "
           "name."),
        lazy_gettext("Lunch is usually from 13:00 to 14:00 or later. Many companies close for two to three weeks in "
           "August, around Ferragosto.")),
    "PL": GuideText("08:00–16:00", ("pl",),
        lazy_gettext("Given name first; use Pan (men) or Pani (women) with the given or family name until invited to be "
           "informal."),
        lazy_gettext("Punctuality and written confirmations are expected. Several public holidays fall in May and at "
           "Christmas.")),
    "ID": GuideText("08:00–17:00", ("id",),
        lazy_gettext("Many Indonesians use a single name. Address men as Bapak (Pak) and women as Ibu (Bu) followed by "
           "the name."),
        lazy_gettext("Keep a courteous, indirect tone and raise problems in private. Production pauses for about a week "
           "around Eid al-Fitr (Lebaran).")),
    "TH": GuideText("08:00–17:00", ("th",),
        lazy_gettext("Given name first; address people by given name or nickname with Khun (Khun Somchai)."),
        lazy_gettext("A calm, polite tone matters; avoid open disagreement. Songkran in mid-April closes many factories "
           "for several days.")),
    "MY": GuideText("08:30–17:30", ("ms", "en", "zh"),
        lazy_gettext("Malay names are a given name and the father's name (Ahmad bin Ismail: Encik Ahmad); Chinese names "
           "put the family name first. Honorifics such as Datuk are used with the name."),
        lazy_gettext("English is widely used in business. Some states (Kedah, Kelantan, Terengganu) rest on Friday and "
           "Saturday instead of the weekend shown here.")),
    "PK": GuideText("09:00–17:00", ("ur", "en"),
        lazy_gettext("Given name first; use Mr or Ms, or Sahib after the name, as a polite form."),
        lazy_gettext("English is the language of business correspondence. Offices often break for Friday prayers; "
           "expect closures around both Eids.")),
    "KR": GuideText("09:00–18:00", ("ko",),
        lazy_gettext("Family name first (Kim Min-jun: Mr Kim); address people by family name with their job title "
           "(Manager Kim)."),
        lazy_gettext("Titles and hierarchy matter; send documents before meetings. Seollal and Chuseok each close "
           "businesses for about three days.")),
    "JP": GuideText("09:00–18:00", ("ja",),
        lazy_gettext("Family name first in Japanese; address people by family name with -san (Tanaka-san) and avoid "
           "given names."),
        lazy_gettext("Decisions are made by consensus and take time; be precise and punctual. Golden Week (early May), "
           "Obon (mid-August) and the New Year close many companies.")),
    "TW": GuideText("08:30–17:30", ("zh",),
        lazy_gettext("Family name first; use the family name with a title such as Manager or Mr or Ms. Many people also "
           "use an English given name."),
        lazy_gettext("LINE is common for work messages. The Lunar New Year closes most businesses for about a week.")),
    "BR": GuideText("08:00–18:00", ("pt",),
        lazy_gettext("Given name first; people are often addressed by given name with Senhor or Senhora. Family names "
           "can be long."),
        lazy_gettext("Personal contact and relationships matter. Carnival (February or March) and the end of the year "
           "slow activity.")),
    "PT": GuideText("09:00–18:00", ("pt",),
        lazy_gettext("Given name first, followed by several family names; use Senhor or Senhora, or a title such as "
           "Doutor or Engenheiro."),
        lazy_gettext("Courtesy and some formality are appreciated in first contacts. August is the main holiday month.")),
    "ES": GuideText("09:00–18:00", ("es",),
        lazy_gettext("Given names, then the father's and the mother's family names; use Señor or Señora with the first "
           "family name, and usted in first contacts."),
        lazy_gettext("Lunch is late (from 14:00) and many companies work shorter hours in summer. August is the main "
           "holiday month.")),
    "US": GuideText("09:00–17:00", ("en",),
        lazy_gettext("Given name first; people usually move to first names quickly, managers included."),
        lazy_gettext("Direct, concise messages are the norm; confirm terms in writing. Thanksgiving and the last week of "
           "December are quiet.")),
}  # fmt: skip
