"""Phone numbers in national and international formats, found with libphonenumber.

The numbers of a building and a house that look like a short phone number ("224 4966 Bond
Street", "lives at 74285 56655") are tagged as an address instead.
"""

from __future__ import annotations

import re

import phonenumbers
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from guardrails.pii.recognizers.international_address import GLUED, WORD

# Words that name a street, or a flat in one, whatever precedes them: the US suffixes no
# sentence about a phone puts after a number, the words opening a street in the languages
# shoppers write from, and units. "St" counts only after a word ("Bond St", not "st").
STREET_AFTER_NUMBER = (
    r"street|road|avenue|lane|drive|boulevard|blvd|court|crescent|terrace|parkway|highway|"
    r"square|gardens|heights|suite|apt\.?|apartment|ave\.?|rd\.?|ln\.?|"
    r"rue|rua|calle|avenida|chemin|allée|impasse|quai|ulica|ul\.|piazza|viale|travessa|"
    r"paseo|praça|λεωφόρος|οδός"
)


class InternationalPhoneRecognizer(EntityRecognizer):
    """Numbers libphonenumber can read as possible phone numbers of the listed regions.

    Presidio's own phone recognizer accepts only numbers valid for today's numbering plans and
    scores them 0.4 (below any useful threshold): ``+1 415-555-0132`` is dropped. A shopper's
    number is personal whether or not its exchange is assigned, so possible numbers count, at a
    score above the threshold. ``+`` or ``00`` numbers are read in any country; the regions
    below give the national formats we expect without a country code.
    """

    REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "AU", "BR", "MX")
    SCORE = 0.8
    HOUSE_SCORE = 0.6
    MIN_DIGITS = 7
    # "+44 (0)20 ...": the trunk prefix glued to the area code, which some regions' readers
    # miss; "+49 (0) 3126 ..." with blanks around it is read as written.
    TRUNK = re.compile(r"(?<=\d)\s?\(0\)(?=\d)|(?<=\d\s)\(0\)(?=\d)")
    # A number right after these words is a postcode ("ZIP: 75534-030") or a house number
    # ("lives at 74285 5665 ..."), not a phone number;
    # the nearest cue wins, so "zip or phone: 212 555 0198" is still a phone number. Other
    # numbers (licence, social security, account, passport) are not skipped: the licence and
    # social security recognizer (``id_numbers``) is ranked first and names the ones it finds;
    # the rest are scrubbed as phone numbers, wrongly named but gone, not left in clear.
    NOT_PHONE = r"zip|post(?:al)?\s?code|postcode"
    # Where someone lives or a parcel goes: a plain number after these opens a street; one
    # with a "+" or a bracketed area code is still a phone number ("I live at +1 (503) ...").
    HOUSE = (
        r"address(?:\s+is)?|lives?\s+at|living\s+at|located\s+at|ship\s+(?:it\s+)?to|"
        r"deliver(?:ed)?\s+(?:it\s+)?to|drops?\s+(?:you|me)\s+off\s+at|meet\s+(?:me|you)\s+at"
    )
    PHONE = (
        r"phone|tel|telephone|mobile|cell|cellphone|fax|call|text|sms|whatsapp|reach|dial|"
        r"landline|hotline|helpline"
    )
    LAST_CUE = re.compile(
        rf"(?i)\b(?:({NOT_PHONE})|({HOUSE})|{PHONE})\b(?!.*\b(?:{NOT_PHONE}|{HOUSE}|{PHONE})\b)"
    )
    CUE_WINDOW = 30
    # "224 4966 Bond Street", "117 5720 Skoanveien 226", "636 1812 Rue de la Gare": a flat's
    # or a building's number and the house number, written before the street as many forms
    # do. Two groups of digits look like a short phone number ("451 5986"); a street right
    # after them says they are not one.
    STREET_FOLLOWS = re.compile(
        rf"(?i)^[ \t]+(?:(?:{WORD}[ \t]+){{0,3}}?(?:{STREET_AFTER_NUMBER})(?![\w])"
        rf"|(?:{WORD}[ \t]+){{1,3}}?st\b|(?:{WORD}[ \t]+){{0,2}}?[^\W\d_]{{3,}}(?:{GLUED})(?![\w]))"
    )
    # Four or five digits, a dash, three digits: a Portuguese or Brazilian postcode
    # ("3610-114", "75534-030"); no numbering plan groups a phone number that way.
    POSTCODE = re.compile(r"\d{4,5}-\d{3}")

    # A calendar date written with dots, slashes or dashes ("16.04.2000", "2000-04-16"): day,
    # month and a year of this or the last century, in any order a country writes them.
    DAY, MONTH, YEAR = r"(?:0?[1-9]|[12]\d|3[01])", r"(?:0?[1-9]|1[0-2])", r"(?:19|20)\d{2}"
    DATE = re.compile(
        rf"{DAY}([./-]){MONTH}\1{YEAR}|{MONTH}([./-]){DAY}\2{YEAR}|{YEAR}([./-]){MONTH}\3{DAY}"
    )

    # A cheap first look: seven digits with at most separators between them. libphonenumber's
    # matcher costs about 0.1 ms a region even on text without a number.
    CANDIDATE = re.compile(r"[+(]?\d(?:[^\w\n]{0,4}\d){6,}(?:\s?(?:x|ext\.?)\s?\d{1,5})?")
    PAD = 3

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["PHONE_NUMBER", "STREET_ADDRESS"],
            supported_language=supported_language,
        )

    def load(self) -> None:
        """Nothing to load: libphonenumber's metadata ships with the package."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """One result per distinct span any region reads as a phone number."""
        spans: dict[tuple[int, int], None] = {}
        houses: dict[tuple[int, int], None] = {}
        # "+44 (0)20 ..." writes the trunk prefix libphonenumber does not read; blank it out
        # in a copy of the same length so the offsets stay those of the original text.
        readable = self.TRUNK.sub(lambda m: " " * len(m.group()), text)
        for window in self.CANDIDATE.finditer(readable):
            start = max(0, window.start() - self.PAD)
            piece = readable[start : window.end() + self.PAD]
            # Once a region reads the whole run as one number, the others can only read the
            # same digits (an international number reads alike in every region) or less.
            for region in self.REGIONS:
                whole = False
                for match in phonenumbers.PhoneNumberMatcher(
                    piece, region, leniency=phonenumbers.Leniency.POSSIBLE
                ):
                    begin, end = start + match.start, start + match.end
                    digits = sum(c.isdigit() for c in match.raw_string)
                    if self.POSTCODE.fullmatch(match.raw_string) or self.DATE.fullmatch(
                        match.raw_string
                    ):
                        continue
                    if digits < self.MIN_DIGITS or self.after_cue(text, begin) == "postcode":
                        continue
                    if self.house_numbers(text, begin, end):
                        houses[(begin, end)] = None
                        continue
                    spans[(begin, end)] = None
                    whole = whole or (begin <= window.start() and end >= window.end())
                if whole:
                    break
        found = [RecognizerResult("PHONE_NUMBER", s, e, self.SCORE) for s, e in spans]
        return found + [
            RecognizerResult("STREET_ADDRESS", s, e, self.HOUSE_SCORE)
            for s, e in houses
            if "STREET_ADDRESS" in entities
        ]

    def house_numbers(self, text: str, start: int, end: int) -> bool:
        """Whether a number written without a country code or brackets is a house number.

        It is when a street follows it on its line, or when the nearest cue before it is an
        address cue. Such a number is tagged as (part of) an address: still scrubbed, and not
        counted as a phone number the shopper never gave.
        """
        if not text[start : start + 1].isdigit():
            return False
        street = self.STREET_FOLLOWS.match(text[end : end + 80].split("\n", 1)[0])
        return bool(street) or self.after_cue(text, start) == "house"

    @classmethod
    def after_cue(cls, text: str, start: int) -> str | None:
        """What the nearest cue word before ``start``, on its line, names: "postcode",
        "house", "phone", or None without a cue."""
        before = text[max(0, start - cls.CUE_WINDOW) : start].rsplit("\n", 1)[-1]
        cue = cls.LAST_CUE.search(before)
        if cue is None:
            return None
        return "postcode" if cue.group(1) else "house" if cue.group(2) else "phone"
