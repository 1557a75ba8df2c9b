"""Person names: spaCy's NER, filtered, plus the ways shoppers introduce themselves."""

from __future__ import annotations

import re

from presidio_analyzer import LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

# After these a name follows whatever its case: "my name is maria lopez".
STRONG_CUES = (
    r"my name is|my name's|name is|name's|name:|names|call me|signed|regards,?|cheers,?|"
    r"thanks,|thank you,|best,|sincerely,?|from:|addressed to|recipient is|recipient:|"
    r"in the name of|under the name|under my name|for:|account name:?|account holder:?|"
    r"name on the (?:card|account|order)(?: is|\?)|cardholder:?|"
    r"(?:last|first|full) name(?: is|\?|:)|surname(?: is|:)?"
)
# After these a name is taken when it is capitalised ("this is Maria") or, in lower case, when
# some word of it is in no English dictionary ("this is carole parkinson", but not "this is
# ridiculous" or "its arriving tomorrow").
WEAK_CUES = (
    r"this is|i am|i'm|im|it's|its|me,|ask for|husband|wife|son|daughter|mom|dad|mum|"
    r"partner|brother|sister|friend|neighbou?r|thanks|thank you|thx\.?|ty|cheers|best|"
    r"placed by|ordered by|bought by|deliver(?:ed)? to|ship(?:ped)? to|send (?:it )?to|"
    r"order for|attn:?|attention:?|c/o|kid|child|grandson|granddaughter|nephew|niece|"
    r"cousin|uncle|aunt|grandma|grandpa|follow up with|speak to|speak with|talk to"
)
NAME_WORD = r"[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)?"
CAPITAL_WORD = r"(?-i:[A-ZÀ-ÞĀ-Ž])[^\W\d_'’-]*(?:['’-][^\W\d_]+)?"

# Words that follow the cues but are not names ("thanks, that helps", "I'm waiting").
NOT_NAMES = frozenset(
    "a about again all already also am an and any anyone are as at back be been being but by "
    "can cant can't confused could did didnt do does dont don't for from get getting glad going "
    "gone good got had has have having he her here hi him his hope how i if in is it its just "
    "kind know like looking lost me mine more much my no not now of ok okay on one only or our "
    "out please pretty really right she so sorry still sure thank thanks that the their them "
    "then there they this to too trying unhappy up upset us very waiting want was we well were "
    "what when where which who why will with wondering would yes yet you your hello hey "
    "regarding order orders package parcel refund return customer ready new happy sad angry "
    "frustrated annoyed disappointed calling writing contacting reaching asking done fine "
    "great help interested moving mad tired away home afraid worried order# sir madam team "
    "support everyone guys all lot lots bunch ahead advance anyway again bye regards wishes "
    "day night morning evening folks mate buddy".split()
)


TITLES = frozenset("mr mrs ms dr prof sir madam miss i'm im".split())
# Chat shorthand and mail hosts no dictionary holds and nobody is called ("pls", "gmail").
SHORTHAND = frozenset(
    "pls plz thx thanx tnx ty asap btw fyi pkg org com net exp iban acct gmail hotmail yahoo "
    "outlook icloud aol protonmail gmx".split()
)
# What English contractions add to a word ("didn't", "i'd", "we'll"): the word is what counts.
CONTRACTION = re.compile(r"(?i)n['’]t\b|['’](?:d|ll|ve|re|m)\b")
# A lower-case word ending like an inflected verb: "charged", "tracking", "stopped", "tried".
INFLECTED = re.compile(r"(?:ied|ed|ing)$")
# Two or three capitals are a code: a colour or size in a SKU ("NVY"), a state, a country.
CODE = re.compile(r"[A-Z]{2,3}")
# A model span ending in one of these names a thing after a person ("Davis Orchestra").
THING_WORDS = frozenset(
    "inc ltd llc plc corp corporation company co group partners associates technologies "
    "software insurance orchestra band bank foundation university school hospital hotel "
    "street st road avenue lane drive bridge city club airlines movers incorporated sons "
    "markets associates consulting holdings capital labs systems solutions global".split()
)


LETTER_RUN = re.compile(r"[^\W\d_]+")
# A model span with one of these is an identifier, an e-mail or markup, never a name.
NOT_NAME_CHARS = frozenset("_/=@{}[]<>")
# Before a place, not a person: "arrived at Lendava", "I'm in Den Haag", "University of Vadsa".
PLACE_BEFORE = re.compile(
    r"(?i)\b(?:in|near|arrived at|returned to|flew to|travell?ing to|based in|originally from|"
    r"(?:city|town|village|university)(?: of)?)\s+$"
)
# After a name, what makes it a firm: "Verdafero is the brainchild of ...", "Thomas and Sons",
# "Berkshire Hathaway is a design agency", "the Roadify Transit website".
FIRM_AFTER = re.compile(
    r"(?i)^(?:\s+(?:and|&)\s+(?:sons|co\b|company|partners)|'?s?\s+website"
    r"|\s+(?:is|was)\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,4}?(?:company|agency|bank|firm|startup|"
    r"start-up|organi[sz]ation|non-?profit|brainchild|corporation|business|brand|retailer|"
    r"manufacturer|provider|platform|consultancy|studio|charity|501\(c\)))"
)
THE_BEFORE = re.compile(r"(?i)\bthe\s+$")
# A list of capitalised items ("Ezxbrl, Henderson, Hicks and Brown and Abt Associates"); when
# one item is plainly a firm, the others are firms too.
LIST_ITEM = r"[A-Z][\w'’.-]*(?:[ ][A-Z][\w'’.-]*){0,3}"
ITEM_LIST = re.compile(rf"{LIST_ITEM}(?:(?:,[ ]+|,?[ ]+and[ ]+|[ ]+&[ ]+){LIST_ITEM})+")
FIRM = re.compile(r"\b([A-Z][\w'’-]+), ([A-Z][\w'’-]+),? and ([A-Z][\w'’-]+)\b")
FIRM_CUES = ("the", "at", "of", "by", "for", "with", "from")


def firm_names(text: str) -> list[tuple[int, int]]:
    """Spans like "Jones, Mitchell and Williams" that name a firm rather than three people.

    Three surnames in that form are a firm when they open a sentence or follow "the", "at",
    "of" ...; after a colon or a verb ("founders: Kónya, Becker and Vasquez", "add Siiri,
    Kowalczyk and Rautiainen") they are people.
    """
    spans = []
    for match in FIRM.finditer(text):
        before = text[: match.start()].rstrip()
        last_word = before.split()[-1].lower() if before else ""
        if not before or before[-1] in '.!?"' or last_word in FIRM_CUES:
            spans.append((match.start(), match.end()))
    return spans


def firm_lists(text: str) -> list[tuple[int, int]]:
    """Spans of lists in which some item ends in a firm word ("... and Abt Associates")."""
    spans = []
    for match in ITEM_LIST.finditer(text):
        items = re.split(r",[ ]+|,?[ ]+and[ ]+|[ ]+&[ ]+", match.group())
        if any(item.split()[-1].strip(".").lower() in THING_WORDS for item in items if item):
            spans.append(match.span())
    return spans


class PersonRecognizer(LocalRecognizer):
    """``PERSON`` from the spaCy model, without its false positives, and self-introductions.

    The stock engine tags bare numbers and order numbers as PERSON; here a name must contain a
    letter and no digit. The small English model misses lower-case names, which chat is full
    of, so a name after a cue like "my name is" is taken whatever its case.
    """

    NER_SCORE = 0.85
    REPEAT_SCORE = 0.75
    CUE_SCORE = 0.8
    # Each pattern is a lookahead so matches may overlap: in "it's for my wife ann lee" the
    # cue "it's" leads nowhere, and "wife" must still be tried.
    STRONG = re.compile(
        rf"(?i)(?<![\w])(?=(?:{STRONG_CUES})\s+((?:{NAME_WORD})(?:\s+{NAME_WORD}){{0,2}}))"
    )
    WEAK = re.compile(
        rf"(?i)(?<![\w])(?=(?:{WEAK_CUES})[,:]?\s+((?:{NAME_WORD})(?:\s+{NAME_WORD}){{0,3}}))"
    )
    # "maria lopez here, ..." at the start of a message or a sentence
    HERE = re.compile(rf"(?i)(?:^|(?<=[.!?]\s))((?:{NAME_WORD})(?:\s+{NAME_WORD}){{0,3}})\s+here\b")
    # "ann lee | +1 415 555 0132": a signature, a name then a bar and a number
    SIGNATURE = re.compile(rf"(?i)((?:{NAME_WORD})(?:\s+{NAME_WORD}){{1,3}})\s*\|\s*(?=[+(\d])")
    # "DE89 3704 0044 0532 0130 00 (Ann Lee)": the account holder after an IBAN
    HOLDER = re.compile(
        rf"(?i)\b[a-z]{{2}}\d{{2}}(?:\s?[a-z0-9]){{11,30}}\s*\(\s*"
        rf"((?:{NAME_WORD})(?:\s+{NAME_WORD}){{0,4}})\s*\)"
    )
    # "ann lee, 12 oak st, ..." : a name opening the message, then a comma
    OPENING = re.compile(rf"(?i)^\s*((?:{NAME_WORD})(?:\s+{NAME_WORD}){{1,3}})\s*,")

    # "Dr. Cindy Holinka", "ms. Quinzia": a title, then capitalised words (case matters here)
    TITLED = re.compile(
        r"(?<![\w.])(?i:mr|mrs|ms|miss|mx|dr|prof)\.?\s+"
        rf"((?:[A-Z]\.\s+)?(?:{CAPITAL_WORD})(?:\s+[A-Z]\.?(?=\s))?(?:\s+(?:{CAPITAL_WORD}))?)"
    )
    # "Jacob lives on ...", "selma is from ...": a name opening a sentence, then what only
    # people do. Companies ship, say and ask too, so those verbs are not here.
    PERSON_VERB = re.compile(
        rf"(?i)(?:^|(?<=[.!?]\s)|(?<=\n))((?:{NAME_WORD})(?:\s+{NAME_WORD}){{0,2}})\s+"
        r"(?=(?:lives|lived|was born|grew up|married|shouted|whispered|spent a|began writing|"
        r"is from|was from|had given|began (?:writing|working|studying|playing|singing|teaching)|"
        r"is (?:very |always )?(?:reliable|kind|friendly|helpful|honest|polite|rude))\b)"
    )

    def __init__(self, supported_language: str = "en") -> None:
        self.dictionary: frozenset[str] = frozenset()
        self.names: frozenset[str] = frozenset()
        super().__init__(supported_entities=["PERSON"], supported_language=supported_language)

    def load(self) -> None:
        """The English dictionary (GCIDE, lower case) that tells words from lower-case names."""
        from guardrails.pii.recognizers.name_list import english_words, name_lists

        self.dictionary = english_words()
        first, last = name_lists()
        self.names = first | last

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Names found by the model and after introduction cues."""
        results = [self._result(s, e, self.NER_SCORE) for s, e in self._ner_spans(nlp_artifacts)]
        for match in self.STRONG.finditer(text):
            span = self._name_span(text, match.start(1), match.end(1))
            if span:
                results.append(self._result(*span, self.CUE_SCORE))
        contexts = (
            (self.TITLED, True),
            (self.PERSON_VERB, True),
            (self.WEAK, True),
            (self.SIGNATURE, True),
            (self.HOLDER, True),
            (self.HERE, False),
            (self.OPENING, False),
        )
        for pattern, capital_counts in contexts:
            for match in pattern.finditer(text):
                span = self._name_span(text, match.start(1), match.end(1))
                if span and self._looks_like_a_name(text[span[0] : span[1]], capital_counts):
                    results.append(self._result(*span, self.CUE_SCORE))
        firms = firm_names(text)
        return [
            r
            for r in results
            if not self._only_words(text[r.start : r.end].split())
            and not any(s <= r.start and r.end <= e for s, e in firms)
            and not self._names_a_thing(text, r)
        ]

    @staticmethod
    def _names_a_thing(text: str, result: RecognizerResult) -> bool:
        """ "Aunt Bertha Inc", "Bertha Inc.": a firm named after someone, not the someone."""
        words = [w.strip(".,;:!?").lower() for w in text[result.start : result.end].split()]
        after = text[result.end :].split(None, 1)
        following = after[0].strip(".,;:!?").lower() if after else ""
        return bool(words) and (words[-1] in THING_WORDS or following in THING_WORDS)

    def people(self, text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
        """Every recognizer's findings with the names reconsidered in the light of the others.

        A name after a place word ("arrived at Lendava", "I'm in Den Haag") is a place; "the"
        before words that are all in the dictionary makes a thing ("the White Stripes"); and a
        name found once names the same person wherever its rarer words come back ("Asya Godina
        ... Asya", "directed by Jindřich Holinka and starring Holinka").
        """
        firms = firm_lists(text)
        kept = [
            r
            for r in results
            if r.entity_type != "PERSON"
            or not (
                self._not_a_person(text, r) or any(s <= r.start and r.end <= e for s, e in firms)
            )
        ]
        seen = {
            word
            for r in kept
            if r.entity_type == "PERSON"
            for word in LETTER_RUN.findall(text[r.start : r.end])
            if len(word) > 2
            and word[0].isupper()
            and word.lower() not in self.dictionary
            and word.lower() not in NOT_NAMES
        }
        for word in sorted(seen):
            for match in re.finditer(rf"(?<![\w'’-]){re.escape(word)}(?![\w-])", text):
                if not any(r.start < match.end() and match.start() < r.end for r in kept):
                    kept.append(self._result(match.start(), match.end(), self.REPEAT_SCORE))
        return kept

    def _not_a_person(self, text: str, result: RecognizerResult) -> bool:
        if FIRM_AFTER.search(text[result.end : result.end + 80]) or self._names_a_thing(
            text, result
        ):
            return True
        before = text[max(0, result.start - 30) : result.start]
        if PLACE_BEFORE.search(before) and text[result.end : result.end + 2] not in ("'s", "’s"):
            return True
        if THE_BEFORE.search(before):
            words = LETTER_RUN.findall(text[result.start : result.end])
            return all(self._in_dictionary(w.lower()) for w in words)
        return False

    def _in_dictionary(self, word: str) -> bool:
        forms = [word, word[:-1] if word.endswith("s") else word]
        return any(f in self.dictionary for f in forms)

    def _looks_like_a_name(self, words: str, capital_counts: bool) -> bool:
        """Capitalised after a cue, or some word of it is in no dictionary (lower-case names).

        At the start of a sentence a capital says nothing ("Nothing here"), so only the
        dictionary decides there.
        """
        if capital_counts and words[:1].isupper():
            return True
        return any(w.strip(".,!?;:").lower() not in self.dictionary for w in words.split())

    def _ner_spans(self, nlp_artifacts: NlpArtifacts | None) -> list[tuple[int, int]]:
        """Model PERSON spans that look like names: letters, no digits, not a stop word."""
        if nlp_artifacts is None:
            return []
        spans = []
        for entity in nlp_artifacts.entities:
            if entity.label_ not in ("PERSON", "PER"):
                continue
            words = entity.text.split()
            if any(c.isdigit() or c in NOT_NAME_CHARS for c in entity.text):
                continue  # identifiers (last_order_id), numbers, markup: never a name
            if not any(c.isalpha() for c in entity.text):
                continue
            if all(w.lower().strip(".,!?") in NOT_NAMES for w in words):
                continue
            if entity.text.isupper():
                continue  # "UPTON SCUDAMORE", "KAJAANI": capitals are places and acronyms
            if words[-1].lower().strip(".,") in THING_WORDS:
                continue  # "Davis Orchestra", "Drake PLC"
            spans.append(self._trimmed(entity.text, entity.start_char))
        return [(start, end) for start, end in spans if end > start]

    def _only_words(self, words: list[str]) -> bool:
        """Every word is an English word (or a title) and none is a listed person name.

        "Guilty Pleasures", "Salesperson", "Dr", "I'm": the model's and the cues' guesses.
        """
        return not any(self.could_be_a_name(word) for word in words)

    def could_be_a_name(self, word: str) -> bool:
        """A listed name, or a word no English dictionary holds (titles and cue words aside)."""
        stripped = CONTRACTION.sub("", word.strip(".,!?;:'\""))
        if CODE.fullmatch(stripped) or not any(c.isalpha() for c in stripped):
            return False
        clean = re.sub(r"['’]s$|['’]$", "", stripped).lower()
        if clean in TITLES or clean in NOT_NAMES or clean in SHORTHAND:
            return False
        if clean in self.names:
            return True
        forms = [clean, *clean.split("-")]
        if clean.endswith("s"):
            forms.append(clean[:-1])  # plurals are not in the word list: "Pleasures"
        if clean.endswith("es"):
            forms.append(clean[:-2])
        if stripped.islower():
            forms.extend(self._stems(clean))
        return not any(f in self.dictionary for f in forms if f) and not (
            clean.endswith("person") or clean.endswith("ers")
        )

    @staticmethod
    def _stems(word: str) -> list[str]:
        """The dictionary forms an inflected lower-case word may come from.

        Only lower-case words: "Harding" or "Fielding" written with a capital may be a surname,
        while "tracking" and "charged" in a chat message are the verbs.
        """
        match = INFLECTED.search(word)
        if not match or match.start() < 3:
            return []
        stem = word[: match.start()]
        stems = [stem, stem + "e"]
        if match.group() == "ied":
            stems.append(stem + "y")
        if len(stem) > 3 and stem[-1] == stem[-2]:
            stems.append(stem[:-1])  # "stopped", "shipping"
        return stems

    def needs_model(self, text: str) -> bool:
        """Whether spaCy's names could survive here: some word could be a name.

        Every model span made only of dictionary words is dropped (``_only_words``), so text
        without a single word that could be a name is not worth the model's 3 to 5 ms. Words
        are tried whole and split at every non-letter, as the model splits them; words with a
        digit are left out, as the model's spans with one are (``_ner_spans``).
        """
        if not self.dictionary:
            self.load()
        words = [w for w in text.split() if not any(c.isdigit() for c in w)]
        return any(map(self.could_be_a_name, words)) or any(
            map(self.could_be_a_name, LETTER_RUN.findall(CONTRACTION.sub(" ", text)))
        )

    @staticmethod
    def _trimmed(text: str, start: int) -> tuple[int, int]:
        """The span without the punctuation the model's token alignment drags in ("Ann | (")."""
        name = re.split(r"[|/\\(){}\[\]<>;]", text)[0]
        stripped = name.strip(" \t\n,.:;-'\"")
        offset = name.find(stripped)
        return start + offset, start + offset + len(stripped)

    @staticmethod
    def _name_span(text: str, start: int, end: int) -> tuple[int, int] | None:
        """The cue's name words up to the first word that is not a name, or None."""
        position = start
        last_end = None
        for word in re.finditer(r"\S+", text[start:end]):
            clean = word.group().strip(".,!?;:").lower()
            if not clean or clean in NOT_NAMES:
                break
            last_end = start + word.start() + len(word.group().rstrip(".,!?;:"))
            position = last_end
        return (start, last_end) if last_end and position > start else None

    def _result(self, start: int, end: int, score: float) -> RecognizerResult:
        return RecognizerResult(
            "PERSON",
            start,
            end,
            score,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: type(self).__name__,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )
