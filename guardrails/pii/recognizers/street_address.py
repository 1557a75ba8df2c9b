"""Street addresses as shoppers type them on one line: the stock engine finds none."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern, PatternRecognizer

# Street suffixes from USPS Publication 28 (appendix C1), full and standard abbreviations.
SUFFIXES = (
    "alley|aly|avenue|ave|av|boulevard|blvd|bypass|byp|causeway|cswy|center|ctr|circle|cir|"
    "close|common|corner|cor|court|ct|cove|cv|creek|crk|crescent|cres|crest|crossing|xing|"
    "curve|dale|drive|dr|estates?|est|expressway|expy|extension|ext|falls?|ferry|field|fld|"
    "flats?|ford|forest|fork|fort|ft|freeway|fwy|gardens?|gdns?|gateway|glen|green|grn|grove|"
    "grv|harbor|hbr|haven|heights|hts|highway|hwy|hills?|hl|hollow|inlet|island|isle|junction|"
    "jct|key|knolls?|lakes?|landing|lndg|lane|ln|lights?|lock|lodge|loop|mall|manor|mnr|"
    "meadows?|mews|mill|mission|motorway|mount|mt|mountain|mtn|neck|orchard|oval|overpass|park|"
    "parkway|pkwy|pass|passage|path|pike|pines?|place|pl|plains?|plaza|plz|point|pt|ports?|"
    "prairie|radial|ramp|ranch|rapids?|rest|ridge|rdg|river|riv|road|rd|route|rte|row|rue|run|"
    "shoals?|shores?|skyway|springs?|spur|square|sq|station|sta|stravenue|stream|street|st|"
    "summit|smt|terrace|ter|throughway|trace|track|trafficway|trail|trl|tunnel|turnpike|tpke|"
    "underpass|union|valley|vly|via|viaduct|view|vw|village|vlg|ville|vista|vis|walk|wall|"
    "way|wells?"
)
UNIT = (
    r"(?:,?\s*(?:apt|apartment|suite|ste|unit|fl|floor|bldg|building|rm|room|#)\.?\s*#?\s*"
    r"[a-z0-9-]{1,6})"
)
CITY_STATE_ZIP = r"(?:,?\s+[a-z][a-z .'-]{1,30}?,?\s+[a-z]{2}\.?,?\s+\d{5}(?:-\d{4})?)"
NUMBER = r"(?<![\w#-])\d{1,6}[a-z]?"
NAME = r"(?:[a-z0-9][a-z0-9.'-]*\s+){1,4}?"

# Words that never sit between a house number and a street suffix: "3 items on the way" or
# "2 shirts in the mail" are not addresses.
NOT_STREET_WORDS = frozenset(
    "a an and are as at be but by for from had has have i if in is it its me my no not of "
    "on or our so than that the their them then there they this to too was we were what when "
    "which who will with you your days day weeks week hours months items item times pairs "
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
        """Reject spans whose street part holds words no street name has."""
        street = pattern_text.split(",")[0].lower().split()[1:-1]
        return any(word in NOT_STREET_WORDS for word in street)
