"""Addresses, phones and names from the countries shoppers write from, and what must stay.

The values are made up for these tests (they are not taken from any benchmark set).
"""

from __future__ import annotations

import pytest

from guardrails.pii import Scrubber


def covered(scrubber: Scrubber, text: str, value: str, entity: str) -> bool:
    """True when one finding of ``entity`` covers all of ``value``."""
    start = text.index(value)
    end = start + len(value)
    return any(
        f.entity_type == entity and f.start <= start and end <= f.end
        for f in scrubber.analyze(text)
    )


@pytest.mark.parametrize(
    ("country", "text", "value"),
    [
        ("Finland", "please send it to 412 Mäntykatu 7 B, Tampere", "Mäntykatu 7"),
        ("Denmark", "my address is Bøgevej 12, 8000 Aarhus C", "Bøgevej 12"),
        ("Sweden", "ship to 77 Lindgatan 4\nUPPSALA\nSweden 75320", "Lindgatan 4"),
        ("Norway", "bor i Skogveien 31, 0371 Oslo", "Skogveien 31"),
        ("Iceland", "deliver to Hraunbraut 14, Kópavogur", "Hraunbraut 14"),
        ("Netherlands", "new address: Kastanjelaan 88, Utrecht", "Kastanjelaan 88"),
        ("Belgium", "it goes to Rue de la Station 41, Namur, Belgium", "Rue de la Station 41"),
        ("Germany", "bitte an Lindenstrasse 23, 10969 Berlin", "Lindenstrasse 23"),
        ("Germany", "bitte an Hauptstr. 5, 04109 Leipzig", "Hauptstr. 5"),
        ("Germany", "Lieferung an Unter den Linden 77, Berlin", "Unter den Linden 77"),
        ("Germany", "ship to Zur Alten Mühle 3a, Köln", "Zur Alten Mühle 3a"),
        ("Austria", "I live at Mühlgasse 6\n Apt. 12\n Graz\n Austria 8010", "Austria 8010"),
        ("Switzerland", "send to Via Cantonale 19, Lugano", "Via Cantonale 19"),
        ("Italy", "spedire a Vicolo del Pozzo 3, Bologna", "Vicolo del Pozzo 3"),
        ("Brazil", "entrega na Rua das Flores 1208, Curitiba", "Rua das Flores 1208"),
        ("Portugal", "morada: Travessa do Carmo 9, Lisboa", "Travessa do Carmo 9"),
        ("Spain", "envíalo a Calle Mayor 45, Madrid", "Calle Mayor 45"),
        ("France", "livrer au 8 rue des Lilas, Lyon", "rue des Lilas"),
        ("Tunisia", "it is 14 Avenue Habib Bourguiba, Sfax", "Avenue Habib Bourguiba"),
        ("Poland", "adres: ul. Lipowa 17, Kraków", "ul. Lipowa 17"),
        ("Hungary", "szállítás: Petőfi Sándor u. 21., Szeged", "Petőfi Sándor u. 21"),
        ("Estonia", "Tamme tn 5, Tartu please", "Tamme tn 5"),
        ("Czech Republic", "ship to 3301 Jabloňová 812\nBrno\n, JM\n 60200", "Jabloňová 812"),
        ("Slovenia", "pošlji na Trg svobode 4, Maribor", "Trg svobode 4"),
        ("Cyprus", "send it to 2210 Οδός Αθηνών 16, Λευκωσία", "Οδός Αθηνών 16"),
        ("Greenland", "address 881 Qullilerfik 12\n Suite 4\n Nuuk\n Greenland 3900",
         "Qullilerfik 12"),
        ("Uruguay", "enviar a 5522 Avenida Rivera 3120, Montevideo", "Avenida Rivera 3120"),
        ("United Kingdom", "ship to 61 Marsh Lane\nLeeds\nUnited Kingdom LS9 8AB", "61 Marsh Lane"),
        ("United States", "send to 2250 Birch Hollow Rd, Austin, TX 78704", "2250 Birch Hollow Rd"),
        ("Canada", "ship to 909 Maple Crescent, Halifax, NS", "909 Maple Crescent"),
        ("Australia", "deliver to 18 Wattle Street, Newtown", "18 Wattle Street"),
        ("New Zealand", "send to 402 Kowhai Road\n Suite 3\n Hamilton\n New Zealand 3204",
         "New Zealand 3204"),
        ("South Africa", "ship to 77 Jacaranda Avenue, Pretoria", "77 Jacaranda Avenue"),
        ("US military", "ship to PSC 2218, Box 4410\nAPO AE 09021",
         "PSC 2218, Box 4410\nAPO AE 09021"),
        ("US military", "send to USNS Comfort\nFPO AA 34055", "USNS Comfort\nFPO AA 34055"),
        ("corner", "meet me at the corner of Mäntykatu 7 and Harbour Road",
         "Mäntykatu 7 and Harbour"),
    ],
)  # fmt: skip
def test_street_addresses_of_each_country_are_found(
    scrubber: Scrubber, country: str, text: str, value: str
) -> None:
    assert covered(scrubber, text, value, "STREET_ADDRESS"), country


@pytest.mark.parametrize(
    ("region", "number"),
    [
        ("FI", "+358 40 123 4567"), ("DK", "+45 20 12 34 56"), ("SE", "+46 70 123 45 67"),
        ("NO", "+47 412 34 567"), ("IS", "+354 611 2345"), ("NL", "+31 6 12345678"),
        ("BE", "+32 470 12 34 56"), ("DE", "+49 151 23456789"), ("AT", "+43 664 1234567"),
        ("CH", "+41 79 123 45 67"), ("IT", "+39 347 123 4567"), ("BR", "+55 11 91234-5678"),
        ("PT", "+351 912 345 678"), ("ES", "+34 612 34 56 78"), ("FR", "+33 6 12 34 56 78"),
        ("TN", "+216 20 123 456"), ("PL", "+48 512 345 678"), ("HU", "+36 20 123 4567"),
        ("EE", "+372 5123 4567"), ("CZ", "+420 601 123 456"), ("SI", "+386 31 234 567"),
        ("CY", "+357 96 123456"), ("GL", "+299 52 12 34"), ("UY", "+598 94 123 456"),
        ("GB", "07700 900123"), ("US", "(415) 555-0132"), ("AU", "+61 412 345 678"),
        ("NZ", "+64 21 123 4567"), ("ZA", "+27 82 123 4567"),
    ],
)  # fmt: skip
def test_phone_numbers_of_each_region_are_found(
    scrubber: Scrubber, region: str, number: str
) -> None:
    text = f"you can call me on {number} any time"
    assert covered(scrubber, text, number, "PHONE_NUMBER"), region


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("The parcel was signed for by Ingrid Vesterholm yesterday", "Ingrid Vesterholm"),
        ("Please add Siiri, Kowalczyk and Rautiainen to the invoice", "Siiri"),
        ("Please add Siiri, Kowalczyk and Rautiainen to the invoice", "Kowalczyk"),
        ("Please add Siiri, Kowalczyk and Rautiainen to the invoice", "Rautiainen"),
        ("Why did Gunnhild get my refund?", "Gunnhild"),
        ("Follow up with Radek Hořejší next week", "Radek Hořejší"),
        ("Maren: where is my parcel?", "Maren"),
        ("> Tuuli Rautavaara\n> 12 Oak St", "Tuuli Rautavaara"),
        ("Our founders: Vaino, Kowalczyk and Rautiainen.", "Vaino"),
        ("Whose parcel is this? Lindqvist", "Lindqvist"),
        ("What's your last name? Oyelaran", "Oyelaran"),
        ("Aurelio wants the blue one", "Aurelio"),
    ],
)
def test_listed_names_the_model_misses_are_found(scrubber: Scrubber, text: str, name: str) -> None:
    assert covered(scrubber, text, name, "PERSON")


@pytest.mark.parametrize(
    ("text", "entity"),
    [("my SSN is 219-09-9999", "US_SSN"), ("my IP shows as 81.2.69.160", "IP_ADDRESS")],
)
def test_an_ssn_or_an_ip_address_is_not_taken_for_a_phone_number(
    scrubber: Scrubber, text: str, entity: str
) -> None:
    assert [f.entity_type for f in scrubber.analyze(text)] == [entity]


def test_a_postcode_is_not_taken_for_a_phone_number(scrubber: Scrubber) -> None:
    assert "PHONE_NUMBER" not in [f.entity_type for f in scrubber.analyze("ZIP: 75534-030")]


@pytest.mark.parametrize(
    "text", ["my driver's licence number is 2270-66-1551", "my ssn is 078051120 if you need it"]
)
def test_a_licence_or_social_security_number_does_not_rest_in_clear(
    scrubber: Scrubber, text: str
) -> None:
    scrubbed = scrubber.scrub(text)
    assert "1551" not in scrubbed and "1120" not in scrubbed, scrubbed


@pytest.mark.parametrize(
    "text",
    [
        "where is order AC-123456",
        "tau order #W1234567 never came",
        "ups says 1Z999AA10123456784",
        "usps 9400111202555842332669 stuck",
        "fedex 771234567890 delivered",
        "swap P-1042-BLK-M for a large",
        "I paid $49.99 for it",
        "it was 120 dollars",
        "I ordered 3 items on the 5th and only got 2",
        "Will the Price drop in May?",
        "size 10 in 2 colours please",
        "the spring 2024 collection",
        "Can I get it by Friday 12",
    ],
)
def test_order_ids_tracking_numbers_skus_prices_and_chat_stay(
    scrubber: Scrubber, text: str
) -> None:
    assert scrubber.analyze(text) == []
