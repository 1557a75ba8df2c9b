"""Street addresses as Europe, Latin America and the US forces write them.

The US-style recognizer (``street_address``) wants a suffix word after the street name
("12 Oak St"). Most of the world puts the house number after the street ("Koskikatu 25",
"Rua do Arenque 1634", "ul. Miła 53", "Király u. 15.") and names streets with a word the
suffix list does not hold, or with none (Greek, Czech). pyap reads US, Canadian and British
forms only, and none of these. This recognizer finds them by their street words (prefixes such
as "Via" and "Rue", endings such as "-katu" and "-strasse"), by the shape "number, words,
number" after an address cue, and US military addresses (APO/FPO/DPO), then takes in the
unit, town, region, country and postcode lines that follow, so the whole block is replaced.
"""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from guardrails.pii.recognizers.street_address import SUFFIXES

# Words that start no street name and no place line: a street found after "is on" or
# "send it to" must not take those words with it, nor run on into the next clause.
STOP = (
    r"(?:the|a|an|is|are|was|be|on|at|to|in|of|and|or|it|its|send|sent|ship|lives?|address|"
    r"my|your|his|her|their|our|for|from|by|with|near|corner|located|meet|me|you|us|here|"
    r"there|update|please|can|could|would|will|i|we|he|she|they|this|that|thanks|but|so|"
    r"then|after|before|when|if|in|last|next|order|item|items|size)\b"
)
# A word of a street or place name: starts with a letter of any script, is not a STOP word.
WORD = rf"(?!{STOP})[^\W\d_][\w'’.-]*"
# A house number ("12a"), with the second number some countries add ("1677/12", "75-77")
# when the street ends there ("9/10 stars" is a rating).
HOUSE = r"\d{1,5}[a-z]?(?:[/-]\d{1,4}[a-z]?(?=[ \t]*(?:[,\n]|$)))?\b\.?"
# Words that open a street name, as written in the countries shoppers write from.
PREFIXES = (
    r"via|viale|vicolo|piazza|piazzetta|corso|strada|largo|"  # it
    r"rua|rúa|travessa|avenida|avda\.|av\.|alameda|praça|estrada|"  # pt, es
    r"calle|c/|paseo|plaza|camino|carrer|"  # es
    r"rue|avenue|boulevard|bd|chemin|allée|impasse|quai|"  # fr
    r"ul\.|ulica|aleja|al\.|plac|os\.|"  # pl
    r"trg|cesta|pod|nad|"  # si, cz
    r"an der|auf dem|auf der|unter den|zum|zur|"  # de
    r"λεωφόρος|οδός|πλατεία|λ\."  # gr
)
# Endings glued to a street name ("Koskikatu", "Hammarvägen", "Villacherstrasse").
GLUED = (
    r"katu|tie|kuja|polku|kaari|rinne|tori|"  # fi
    r"vej|vænget|gade|stræde|plads|torv|krogen|centret|"  # dk
    r"gatan|vägen|väg|gränd|torg|stigen|gärde|"  # se
    r"veien|vegen|gata|gate|stien|bakken|"  # no
    r"stræti|straeti|braut|vegur|stígur|skálinn|"  # is
    r"straat|laan|hove|weg|wei|baan|plein|gracht|kade|singel|"  # nl, be
    r"strasse|straße|str\.|gasse|platz|allee|damm|graben|markt|stötten"  # de, at, ch
)
# The same as a word of its own after the name ("Király u. 15.", "Luite tee 87").
WORDS_AFTER = (
    r"u\.|utca|út|útja|tér|köz|rkp\.|"  # hu
    r"tn|tänav|mnt|maantee|põik|tee|"  # ee
    r"str\.|strasse|straße|gasse|weg|allee|platz|markt|"  # de
    r"straat|laan|baan|wei|"  # nl
    r"gate|gata|vei|veien|vegen|vej|gade|terrasse|"  # no, dk
    r"ulice|náměstí|cesta"  # cz, si
)
UNIT = r"(?:(?:apt|apartment|suite|ste|unit|flat|floor|fl)\.?\s*#?\s*\d{1,5}[a-z]?)"
POSTCODE = r"\d{4,6}(?:-\d{3,4})?"
# What follows a street in a postal block: units, then up to five short lines or comma parts
# of town, region, country and postcode ("\n Suite 501\n Riisa\n\n Estonia 62488").
# A postcode ending a line may be grouped ("840 24", "110 00") or follow a region's number
# as some countries write their districts ("Tallinn, 43 73313"); not when more digits follow
# (a phone number after the town), nor a postcode alone before more digits ("..., 61841,
# 0114 496 0056": the phone number after the address).
GROUPED_POSTCODE = r"(?:\d{1,2}[ \t]+\d{4,6}|\d{3}[ ]\d{2})(?![ \t]*[\d+(])\b"
PART = (
    rf"(?:{UNIT}|{WORD}(?:[ \t]+{WORD}){{0,3}}(?:[ \t]+{POSTCODE})?(?![\w@])"
    rf"|{GROUPED_POSTCODE}|{POSTCODE}\b(?![ \t]*[\d+(]))"
)
# Lines may carry a quoting prefix ("> ", or "??? " where a mail client mangled it).
# After a unit, the town may follow on the same line ("Suite 274 Ljubljana").
TAIL = (
    rf"(?:(?:[ \t]+{UNIT})+(?:[ \t]+{WORD}(?:[ \t]+{WORD})?(?![\w@]))?)?"
    rf"(?:[ \t]*[,\n](?:[ \t>?]*\n)?[ \t>?]*,?[ \t]*{PART}){{0,5}}"
)
# German and Austrian streets named after someone, joined by hyphens ("Karl-Marx-Ring",
# "Anna-Schmidt-Straße"), and capitalised articles of place ("Am Mühlbach", "Im Winkel").
HYPHENATED = r"ring|straße|strasse|str\.|weg|gasse|platz|allee|damm|markt|ufer|steig|pfad"
ARTICLES = r"(?-i:Am|Im|In der|In den|An den|Vor dem|Hinter der|Bei der)"
# A street named by a prefix or an ending, then its number. Each try starts at the start of a
# word (the lookbehinds), which keeps the pattern cheap on long text.
NAMED_STREET = (
    rf"(?:\b(?:{PREFIXES})\s+(?:{WORD}\s+){{0,5}}?"
    rf"|(?<![\w'’.-])(?:{WORD}\s+){{0,3}}?(?!{STOP})[^\W\d_]{{3,}}(?:{GLUED})\s+"
    rf"|(?<![\w'’.-])(?:{WORD}\s+){{1,3}}?(?:{WORDS_AFTER})\s*"
    rf"|(?<![\w'’.-])[^\W\d_][\w'’.]*(?:-[^\W\d_][\w'’.]*)*-(?:{HYPHENATED})\s+"
    rf"|(?<![\w'’.-])(?-i:[A-ZÄÖÜ])[^\W\d_]{{2,}}ring\s+"
    rf"|\b{ARTICLES}\s+(?:{WORD}\s+){{1,3}}?)(?:{HOUSE})"
)
# The number some forms write before the street ("5049 Harjukuja 54", "Apt. 675 62314 ...").
LEAD = rf"(?:(?<![\w#-]){UNIT}\s+)?(?:(?<![\w#$€£.,-])\d{{1,5}}\s+){{0,2}}"


# The words a shopper puts before where someone lives or where a parcel goes ("lives at",
# "ship it to", "my address is"): after them, capitalised words and a number are a street
# even when its name has no street word ("lives at Kaevu 94, Liiva").
ADDRESS_CUES = (
    "lives at", "lives on", "live at", "live on", "living at", "living on", "lived at",
    "lived on", "address is", "address:", "address is at", "ship it to", "ship to",
    "send it to", "send to", "deliver it to", "deliver to", "mail it to", "moved to",
    "located at", "located on", "stays at", "stay at", "staying at", "home is at",
    "office is at", "is located at", "based at", "resides at", "reside at",
    # where a parcel, a letter or a person is taken, met or sent back
    "live in", "lives in", "lived in", "living in", "meet me at", "meet you at",
    "meet us at", "drop me off at", "drops you off at", "drop it off at", "pick it up at",
    "pick me up at", "return it to", "return to", "returned to", "sent to", "send them to",
    "mail to", "post it to", "arrived at", "delivered to", "deliver them to", "taxi to",
    "it's in", "it is in", "address is now", "new address", "billing address",
    # where a place is: "the bus station is on Kaevu 94", "enter on ..."
    "station is on", "stop is on", "shop is on", "store is on", "office is on", "house is on",
    "flat is on", "enter on", "entrance is on", "entrance on", "side of", "taxi to",
    # the address asked for and given: "the address of X is ...", "your address? it is ..."
    "address? it is", "address? it's", "is your address?", "here they are:", "the same:",
    "send a new one to", "sent to", "send them to", "mail it to",
)  # fmt: skip
# The cue, one blank or line break, then maybe more blanks; or "The address of Peerj is",
# a firm's or a person's address named by the words between "address of" and "is". The cue
# is part of the match (one alternation tried at word starts costs a third of a lookbehind
# per cue tried at every character) and is trimmed from the result.
CUES = "|".join(re.escape(c) for c in sorted(set(ADDRESS_CUES), key=len, reverse=True))
CUE_LEAD = rf"\b(?:{CUES})\s[ \t]*|\baddress of (?:[^\W\d_][\w'’.-]*[ ]){{1,4}}is[ ]"
CAPITALISED = r"(?-i:[A-ZÀ-ÞĀ-ŽΆ-ΏΑ-ΩА-Я])[^\W\d_]*(?:['’-][^\W\d_]+)*"
# Words that are never a street's first word after such a cue: days, months, places in a
# building or a shop ("moved to Monday 5", "ship it to Gate 12").
NOT_STREET_NAMES = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "may june july august september october november december gate room floor level "
    "terminal platform aisle table page day week order item size version model".split()
)


# What a cue pattern's match starts with before the street itself.
LEADING_CUE = re.compile(rf"(?i){CUE_LEAD}")


class InternationalAddressRecognizer(PatternRecognizer):
    """Street addresses with the house number after the street, and US military addresses."""

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("named street, number", rf"{LEAD}{NAMED_STREET}{TAIL}", 0.7),
        # "6750 Koskikatu 25", "0605 πεντέλης 210", "172 Maneeži 75": a number, one to four
        # capitalised or foreign words, a number; the invalidation below keeps chat out.
        Pattern(
            "number, street, number",
            rf"(?<![\w#$€£.,:/-])\d{{1,5}}\s+(?:\d{{1,5}}\s+)?(?:{WORD}\s+){{0,3}}{WORD}\s+"
            rf"{HOUSE}(?![\w/:-]){TAIL}",
            0.6,
        ),
        # "8 rue des Lilas", "14 Avenida Rivera": the number before a French or Iberian street
        Pattern(
            "number, named street",
            rf"(?<![\w#$€£.,:/-])\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+"
            rf"(?:rue|avenue|av\.?|boulevard|bd|chemin|allée|impasse|quai|calle|avenida|avda\.|rua)\s+"
            rf"(?:{WORD}\s+){{0,4}}{WORD}{TAIL}",
            0.6,
        ),
        # "Cinzia and Hammarvägen 15": a crossing, the first street named by one word
        Pattern("two streets", rf"(?<![\w'’.-]){WORD}\s+and\s+{NAMED_STREET}{TAIL}", 0.7),
        # "the corner of Csabai kapu 39. and Mathias Pass"
        Pattern(
            "street corner",
            r"\bcorner of\s+(?:[^\n,;:!?.]|\b[^\W\d_]{1,4}\.)"
            r"{3,80}?\band\s+(?:[^\W\d_][\w'’-]*)(?:\s+[^\W\d_][\w'’-]*){0,2}",
            0.7,
        ),
        # "389 167 king alexander\nlady frere\n, ec\n 76634": a number and words opening a
        # block of short lines that ends in a postcode, whatever the street is called
        Pattern(
            "postal block",
            rf"(?<![\w#$€£.,:/-])\d{{1,5}}\s+(?:\d{{1,5}}\s+)?(?:{WORD}[ \t]+){{0,3}}{WORD}[ \t]*\n"
            r"(?:[^\n\d@]{1,40}\n){0,3}[^\n\d@]{0,40}?\d{4,6}\b",
            0.6,
        ),
        # "lives at Kaevu 94, Liiva": capitalised words and a number after an address cue
        Pattern(
            "street after a cue",
            rf"(?:{CUE_LEAD})"
            rf"{CAPITALISED}(?:[ ]{CAPITALISED}){{0,2}}[ ]{HOUSE}(?![\w/:-]|[.,]\d){TAIL}",
            0.6,
        ),
        # "the early shows on Isaac Lodge Street": a named street without its number
        Pattern(
            "street named alone",
            r"(?:(?<=\bon )|(?<=\bat )|(?<=\bto )|(?<=\bof ))(?-i:[A-Z][\w'’-]+)"
            r"(?:[ ](?-i:[A-Z][\w'’-]+)){0,2}[ ]"
            r"(?-i:Street|Road|Avenue|Lane|Drive|Boulevard|Square|Place)\b",
            0.6,
        ),
        # the same in lower case ("shows on tarsicio isle street"), with the words that name
        # nothing but a street ("hard drive", "memory lane" and "some place" are not one)
        Pattern(
            "street named alone, lower case",
            rf"(?:(?<=\bon )|(?<=\bat )|(?<=\bto )|(?<=\bof )){WORD}(?:[ ]{WORD}){{0,2}}[ ]"
            r"(?:street|road|avenue|boulevard)\b",
            0.6,
        ),
        Pattern(
            "us military",
            rf"\b(?:(?:psc|unit)\s+\d{{3,5}},?\s+box\s+\d{{3,5}}|us(?:s|ns|nv|cgc)\s+{WORD})"
            r"\s*[\n,]?\s*[adf]po\s+a[aep]\s+\d{5}\b",
            0.8,
        ),
        Pattern("post box", rf"{LEAD}\b(?:p\.?\s?o\.?\s?box|postbox)\s+\d{{1,6}}\b{TAIL}", 0.7),
        # "935 69 Gordon Terrace\n Suite 828\n BASHALL TOWN\n United Kingdom 89800": a street
        # without its number after it ("76556 29 Rue de Tanger") that opens a postal block.
        Pattern(
            "street opening a block",
            rf"{LEAD}\d{{1,5}}\s+(?:(?:{PREFIXES})\s+(?:{WORD}\s+){{0,4}}?{WORD}"
            rf"|(?:{WORD}\s+){{1,4}}?(?:{SUFFIXES})\b\.?)(?=[ \t]*\n){TAIL}",
            0.7,
        ),
    ]
    CONTEXT: ClassVar[list[str]] = ["address", "ship", "deliver", "send", "live", "lives"]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="STREET_ADDRESS",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
        )

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """The pattern matches, without the cue a cue pattern's match starts with."""
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for result in results:
            explanation = result.analysis_explanation
            if explanation is None or explanation.pattern_name != "street after a cue":
                continue
            lead = LEADING_CUE.match(text, result.start, result.end)
            if lead:
                result.start = lead.end()
        return results

    def invalidate_result(self, pattern_text: str) -> bool:
        """Reject number-led spans whose words are chat ("3 items on 2 orders"), not a street.

        Only the street's words count, those between the leading numbers and the next one:
        what follows the house number is the town and region, and a region's code may be a
        word of chat ("Apt. 934 OULU NO", "Portland, ME").
        """
        cue = LEADING_CUE.match(pattern_text)
        if cue:
            pattern_text = pattern_text[cue.end() :]
        if not pattern_text[:1].isdigit():
            return pattern_text.split(None, 1)[0].lower() in NOT_STREET_NAMES
        words = [w.strip(".,").lower() for w in pattern_text.split(",")[0].split()]
        letters: list[str] = []
        for word in words:
            if word and word[0].isdigit():
                if letters:
                    break
                continue
            letters.append(word)
        if not any(letters):
            return True
        return any(w in NOT_STREET_WORDS for w in letters[:4])


# Words that never make a street name: "order 2 of 3", "3 items on the 5th", "size 10 in 2".
NOT_STREET_WORDS = frozenset(
    "a an and are as at be but by for from had has have i if in is it its me my no not of "
    "on or our so than that the their them then there they this to too was we were what when "
    "which who will with you your days day weeks week hours hour months month years year "
    "items item times pairs pair boxes orders order parcels parcel packages package "
    "minutes minute size sizes pcs pieces units x of out left only just more less than "
    "usd eur gbp dollars euros pounds bucks percent am pm".split()
)
