"""Street addresses as shoppers type them on one line: the stock engine finds none."""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern, PatternRecognizer

# Street suffixes from USPS Publication 28 (appendix C1): names, plurals and standard abbreviations.
SUFFIXES = (
    "alley|aly|annex|anx|arcade|arc|avenue|ave|av|bayou|byu|beach|bch|bend|bnd|bluffs?|blf|"
    "bottom|btm|boulevard|blvd|branch|br|bridge|brg|brooks?|brk|burgs?|bypass|byp|camp|cp|"
    "canyon|cyn|cape|cpe|causeway|cswy|centers?|ctr|circles?|cir|cliffs?|clf|close|club|clb|"
    "commons?|cmn|corners?|cor|course|crse|courts?|ct|coves?|cv|creek|crk|crescent|cres|crest|"
    "crossing|xing|crossroads?|curve|dale|dl|dam|dm|divide|dv|drives?|dr|estates?|est|"
    "expressway|expy|extensions?|ext|falls?|fls|ferry|fry|fields?|fld|flats?|flt|fords?|frd|"
    "forest|frst|forges?|frg|forks?|frk|fort|ft|freeway|fwy|gardens?|gdns?|gateways?|gtwy|"
    "glens?|gln|greens?|grn|groves?|grv|harbors?|hbr|haven|hvn|heights|hts|highway|hwy|hills?|"
    "hl|hollow|holw|inlet|islands?|is|isle|junctions?|jct|keys?|ky|knolls?|knl|lakes?|lk|land|"
    "landing|lndg|lane|ln|lights?|lgt|loaf|locks?|lck|lodge|ldg|loop|mall|manors?|mnr|"
    "meadows?|mdw|mews|mills?|ml|missions?|msn|motorway|mtwy|mount|mt|mountains?|mtn|neck|"
    "orchards?|orch|oval|overpass|opas|parks?|parkways?|pkwy|pass|passage|psge|path|pike|"
    "pines?|pne|places?|pl|plains?|pln|plaza|plz|points?|pt|ports?|prt|prairie|pr|radial|radl|"
    "ramp|ranch|rnch|rapids?|rpd|rest|rst|ridges?|rdg|river|riv|roads?|rd|route|rte|row|rue|"
    "run|shoals?|shl|shores?|shr|skyway|skwy|springs?|spg|spurs?|squares?|sq|stations?|sta|"
    "stravenue|stra|streams?|strm|streets?|st|summit|smt|terrace|ter|throughway|trwy|trace|"
    "trce|track|trak|trafficway|trfy|trails?|trl|trailer|trlr|tunnel|tunl|turnpike|tpke|"
    "underpass|upas|unions?|un|valleys?|vly|viaduct|via|views?|vw|villages?|vlg|ville|vl|vista|"
    "vis|walks?|wall|ways?|wy|wells?|wl"
)
UNIT = (
    r"(?:,?\s*(?:apt|apartment|suite|ste|unit|fl|floor|bldg|building|rm|room|#)\.?\s*#?\s*"
    r"[a-z0-9-]{1,6})"
)
CITY_STATE_ZIP = r"(?:,?\s+[a-z][a-z .'-]{1,30}?,?\s+[a-z]{2}\.?,?\s+\d{5}(?:-\d{4})?)"
NUMBER = r"(?<![\w#-])\d{1,6}[a-z]?"
NAME = r"(?:[a-z0-9][a-z0-9.'-]*\s+){1,4}?"

SUFFIX_WORD = re.compile(f"(?:{SUFFIXES})")
# A firm's name before a suffix word is no street ("3 Round Stones Inc is the speaker").
FIRM_WORDS = frozenset("inc ltd llc plc corp gmbh co".split())
# Suffixes that are also words a sentence goes on with after a number.
SENTENCE_WORDS = frozenset("is via un run runs way ways row key keys pass rest view well".split())

# Words that never sit between a house number and a street suffix: "3 items on the way" or
# "2 shirts in the mail" are not addresses.
NOT_STREET_WORDS = frozenset(
    "a an and are as at be but by for from had has have i if in is it its me my no not of "
    "on or our so than that the their them then there they this to too was we were what when "
    "which who will with you your days weeks week hours months items item times pairs "
    "boxes orders parcels packages minutes".split()
)


class StreetAddressRecognizer(PatternRecognizer):
    """A house number, street name and suffix, then optionally unit, city, state and ZIP.

    Also a number and street followed by city, state and ZIP without a suffix, and PO boxes.
    Matching is case-insensitive because shoppers often type in lower case.
    """

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "street with suffix",
            rf"{NUMBER}\s+{NAME}(?:{SUFFIXES})\b\.?{UNIT}?{CITY_STATE_ZIP}?",
            0.7,
        ),
        Pattern("street, city, state zip", rf"{NUMBER}\s+{NAME}[a-z]+{UNIT}?{CITY_STATE_ZIP}", 0.8),
        Pattern("po box", r"\bp\.?\s?o\.?\s?box\s+\d{1,6}\b", 0.7),
    ]
    CONTEXT: ClassVar[list[str]] = ["address", "ship", "deliver", "send", "live", "move", "moved"]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="STREET_ADDRESS",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        """Reject spans whose street name (before the suffix) holds words no street name has.

        Digits alone before a suffix that is also a plain English word are a phone number's
        groups and the sentence going on ("+44 20 7946 0958 is ...", "555 1234 via whatsapp").
        """
        words = pattern_text.split(",")[0].lower().split()[1:]
        for index, word in enumerate(words):
            if SUFFIX_WORD.fullmatch(word.rstrip(".")):
                digits_only = all(w.isdigit() for w in words[:index])
                return digits_only and word in SENTENCE_WORDS
            if word in NOT_STREET_WORDS or word.rstrip(".") in FIRM_WORDS:
                return True
        return False
