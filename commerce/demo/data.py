"""Static tables the demo store is generated from: catalogue, geography, carriers, reasons.

Everything here is plain data so that the generators stay readable and someone evaluating
the assistant can tune the demo store without touching logic. Places are real US cities
with their real three-digit ZIP prefixes and area codes; phone numbers use the 555-01xx
block reserved for fiction and e-mail addresses use the reserved example domains, so no
generated contact detail can belong to a real person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- Geography -------------------------------------------------------------------------

# (city, state, ZIP prefix, area code, zone); the zone picks the warehouse and carrier hubs.
CITIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("San Francisco", "CA", "941", "415", "west"),
    ("Oakland", "CA", "946", "510", "west"),
    ("Los Angeles", "CA", "900", "213", "west"),
    ("San Diego", "CA", "921", "619", "west"),
    ("Sacramento", "CA", "958", "916", "west"),
    ("Portland", "OR", "972", "503", "west"),
    ("Bend", "OR", "977", "541", "west"),
    ("Seattle", "WA", "981", "206", "west"),
    ("Spokane", "WA", "992", "509", "west"),
    ("Boise", "ID", "837", "208", "west"),
    ("Salt Lake City", "UT", "841", "801", "west"),
    ("Denver", "CO", "802", "303", "west"),
    ("Boulder", "CO", "803", "303", "west"),
    ("Phoenix", "AZ", "850", "602", "west"),
    ("Tucson", "AZ", "857", "520", "west"),
    ("Albuquerque", "NM", "871", "505", "west"),
    ("Las Vegas", "NV", "891", "702", "west"),
    ("Missoula", "MT", "598", "406", "west"),
    ("Bozeman", "MT", "597", "406", "west"),
    ("Anchorage", "AK", "995", "907", "west"),
    ("Honolulu", "HI", "968", "808", "west"),
    ("Austin", "TX", "787", "512", "central"),
    ("Dallas", "TX", "752", "214", "central"),
    ("Houston", "TX", "770", "713", "central"),
    ("San Antonio", "TX", "782", "210", "central"),
    ("Oklahoma City", "OK", "731", "405", "central"),
    ("Kansas City", "MO", "641", "816", "central"),
    ("St. Louis", "MO", "631", "314", "central"),
    ("Minneapolis", "MN", "554", "612", "central"),
    ("Madison", "WI", "537", "608", "central"),
    ("Milwaukee", "WI", "532", "414", "central"),
    ("Chicago", "IL", "606", "312", "central"),
    ("Indianapolis", "IN", "462", "317", "central"),
    ("Des Moines", "IA", "503", "515", "central"),
    ("Omaha", "NE", "681", "402", "central"),
    ("Little Rock", "AR", "722", "501", "central"),
    ("New Orleans", "LA", "701", "504", "central"),
    ("Nashville", "TN", "372", "615", "central"),
    ("Memphis", "TN", "381", "901", "central"),
    ("Louisville", "KY", "402", "502", "central"),
    ("Birmingham", "AL", "352", "205", "central"),
    ("Detroit", "MI", "482", "313", "central"),
    ("Ann Arbor", "MI", "481", "734", "central"),
    ("Columbus", "OH", "432", "614", "east"),
    ("Cleveland", "OH", "441", "216", "east"),
    ("Pittsburgh", "PA", "152", "412", "east"),
    ("Philadelphia", "PA", "191", "215", "east"),
    ("New York", "NY", "100", "212", "east"),
    ("Brooklyn", "NY", "112", "718", "east"),
    ("Buffalo", "NY", "142", "716", "east"),
    ("Boston", "MA", "021", "617", "east"),
    ("Cambridge", "MA", "021", "617", "east"),
    ("Providence", "RI", "029", "401", "east"),
    ("Burlington", "VT", "054", "802", "east"),
    ("Portland", "ME", "041", "207", "east"),
    ("Hartford", "CT", "061", "860", "east"),
    ("Newark", "NJ", "071", "973", "east"),
    ("Baltimore", "MD", "212", "410", "east"),
    ("Washington", "DC", "200", "202", "east"),
    ("Richmond", "VA", "232", "804", "east"),
    ("Raleigh", "NC", "276", "919", "east"),
    ("Charlotte", "NC", "282", "704", "east"),
    ("Asheville", "NC", "288", "828", "east"),
    ("Atlanta", "GA", "303", "404", "east"),
    ("Orlando", "FL", "328", "407", "east"),
    ("Tampa", "FL", "336", "813", "east"),
    ("Miami", "FL", "331", "305", "east"),
)

STREET_NAMES = (
    "Oak Maple Cedar Pine Elm Walnut Chestnut Willow Birch Spruce Main Park Lake Hill River "
    "Sunset Highland Ridge Valley Meadow Washington Lincoln Jefferson Madison Franklin Adams "
    "Jackson Grant Church Mill Spring Forest Prospect Center Union Market Broad 2nd 3rd 5th 7th "
    "12th Railroad Orchard Harbor Summit Bayview"
).split()
STREET_SUFFIXES = "St Ave Rd Ln Dr Blvd Ct Way Pl Ter".split()
SECONDARY_UNITS = ("Apt", "Apt", "Apt", "Unit", "Suite", "#")
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

# --- Fulfilment ------------------------------------------------------------------------

WAREHOUSES = {"west": "Reno, NV", "central": "Lenexa, KS", "east": "Allentown, PA"}

CARRIER_HUBS: dict[str, dict[str, tuple[str, ...]]] = {
    "UPS": {
        "west": ("Ontario, CA", "Salt Lake City, UT", "Oakland, CA", "Phoenix, AZ"),
        "central": ("Louisville, KY", "Hodgkins, IL", "Dallas, TX", "Lenexa, KS"),
        "east": ("Louisville, KY", "Philadelphia, PA", "Atlanta, GA", "Secaucus, NJ"),
    },
    "FedEx": {
        "west": ("Oakland, CA", "Ontario, CA", "Sacramento, CA", "Denver, CO"),
        "central": ("Memphis, TN", "Indianapolis, IN", "Fort Worth, TX", "Chicago, IL"),
        "east": ("Memphis, TN", "Newark, NJ", "Greensboro, NC", "Columbus, OH"),
    },
    "USPS": {
        "west": ("Sacramento, CA", "Denver, CO", "Seattle, WA", "Los Angeles, CA"),
        "central": ("Chicago, IL", "Kansas City, MO", "Dallas, TX", "Minneapolis, MN"),
        "east": ("Philadelphia, PA", "Atlanta, GA", "Jersey City, NJ", "Raleigh, NC"),
    },
}

# Calendar days from pick-up to delivery for standard service (min, max).
STANDARD_TRANSIT_DAYS = {"UPS": (2, 4), "FedEx": (2, 4), "USPS": (3, 5)}
STANDARD_CARRIER_WEIGHTS = {"UPS": 40, "USPS": 35, "FedEx": 25}
EXPEDITED_CARRIERS = ("UPS", "FedEx")
UPS_SHIPPER_NUMBERS = {"west": "R84V27", "central": "K3X911", "east": "A7W50E"}

STANDARD_SHIPPING_CENTS = 595
EXPEDITED_SHIPPING_CENTS = 1495
FREE_SHIPPING_THRESHOLD_CENTS = 7500
STANDARD_PROMISE_DAYS = 7
EXPEDITED_PROMISE_DAYS = 3

DELIVERY_DESCRIPTIONS = (
    "Delivered, front door",
    "Delivered, front porch",
    "Delivered, handed to resident",
    "Delivered, side door",
)
DELIVERY_DESCRIPTION_APARTMENT = "Delivered, parcel locker"
DELAY_DESCRIPTIONS = (
    "Delay: severe weather in the area",
    "Delay: weather conditions affecting transit",
    "Delay: high package volume at facility",
    "Delay: high package volume, processing may take longer",
)
EXCEPTION_DESCRIPTIONS = (
    "Exception: package could not be located; carrier trace opened",
    "Exception: no scan since last facility; carrier investigation opened",
)

# --- Payments and after-sales ----------------------------------------------------------

CARD_BRANDS = {"Visa": 50, "Mastercard": 30, "American Express": 12, "Discover": 8}
GIFT_CARD_BALANCES_CENTS = (0, 500, 1250, 2500, 4000, 10000)

RETURN_REASONS_SIZED = ("too small", "too large", "fit not as expected")
RETURN_REASONS_ANY = (
    "changed my mind",
    "not as described",
    "arrived damaged",
    "wrong item sent",
    "no longer needed",
    "defective",
    "better price elsewhere",
)
# The merchant's fault: the shipping cost is refunded too.
MERCHANT_FAULT_REASONS = frozenset({"arrived damaged", "wrong item sent", "defective"})
SIZED_CATEGORIES = frozenset({"outerwear", "tops", "pants", "footwear", "underwear", "swimwear"})

# --- Catalogue -------------------------------------------------------------------------

COLOR_CODES = {
    "black": "BLK", "navy": "NVY", "olive": "OLV", "charcoal": "CHR", "red": "RED",
    "blue": "BLU", "sand": "SND", "forest green": "FGR", "burgundy": "BUR", "slate": "SLT",
    "orange": "ORG", "teal": "TEL", "yellow": "YEL", "gray": "GRY", "lime": "LIM",
    "royal blue": "RBL", "green": "GRN", "tan": "TAN", "stainless": "STN", "sage": "SAG",
    "white": "WHT", "cobalt": "COB", "graphite": "GRA", "brown": "BRN",
}  # fmt: skip

SERIES = (
    "Cascade Ridgeline Alpine Summit Coastal Northfork Timberline Basin Canyon Sierra Glacier "
    "Meadow Switchback Trailhead Harbor Redwood Juniper Granite"
).split()
GIFT_CARD_EDITIONS = ("Classic", "Holiday", "Birthday")


@dataclass(frozen=True)
class Axis:
    """One variant dimension.

    Attributes:
        name: Option key shown to shoppers (`color`, `size`, `capacity`, ...).
        values: The values with the price difference, in cents, each adds to the base price.
        pick: (min, max) how many values one product offers; None offers all, in order.
    """

    name: str
    values: tuple[tuple[str, int], ...]
    pick: tuple[int, int] | None = None


def axis(name: str, values: str, pick: tuple[int, int] | None = None) -> Axis:
    """An axis without price differences from a `|`-separated string of values."""
    return Axis(name, tuple((value, 0) for value in values.split("|")), pick)


def priced(name: str, *values: tuple[str, int]) -> Axis:
    """An axis whose values change the price (a bigger capacity costs more)."""
    return Axis(name, values)


@dataclass(frozen=True)
class ProductType:
    """A kind of product that every series of a category may make.

    Attributes:
        name: Noun phrase after the series name (`Trail Running Jacket`).
        price: (min, max) list price in whole dollars.
        blurb: Completes "The <product> is ..." in the description.
        attributes: Attribute name to the choices one value is drawn from.
        axes: Variant dimensions.
    """

    name: str
    price: tuple[int, int]
    blurb: str
    attributes: dict[str, tuple[object, ...]] = field(default_factory=dict)
    axes: tuple[Axis, ...] = ()


def kind(
    name: str, price: tuple[int, int], blurb: str, attributes: dict[str, tuple[object, ...]],
    *axes: Axis,
) -> ProductType:  # fmt: skip
    return ProductType(name, price, blurb, attributes, axes)


@dataclass(frozen=True)
class Category:
    """A catalogue category and how many products the demo store carries in it."""

    key: str
    count: int
    types: tuple[ProductType, ...]
    final_sale: bool = False
    final_sale_note: str = ""


APPAREL = axis(
    "color", "black|navy|olive|charcoal|red|blue|sand|forest green|burgundy|slate", (2, 4)
)
BRIGHT = axis("color", "black|orange|teal|yellow|gray|lime|royal blue", (2, 3))
GEAR = axis("color", "green|orange|gray|blue|tan", (1, 3))
KITCHEN = axis("color", "stainless|black|sage|white|red|cobalt", (1, 3))
TECH = axis("color", "black|white|graphite|blue", (1, 3))
SIZES = axis("size", "XS|S|M|L|XL|XXL")
SHOE_SIZES = axis("size", "6|7|8|8.5|9|9.5|10|10.5|11|12|13")
WAIST = axis("size", "28|30|32|34|36|38")
BOOT_COLORS = axis("color", "brown|black|gray", (1, 2))
PANT_COLORS = axis("color", "black|navy|olive|charcoal|sand|slate", (1, 3))
LENGTH = axis("length", "Regular|Long")

CATALOG: tuple[Category, ...] = (
    Category("outerwear", 30, (
        kind("Rain Jacket", (99, 229), "a packable waterproof shell for wet trail days",
             {"material": ("2.5-layer nylon", "3-layer recycled polyester"),
              "waterproof": (True,), "fit": ("regular", "trim")}, APPAREL, SIZES),
        kind("Down Jacket", (179, 329), "a warm, light down jacket that packs into its pocket",
             {"fill_power": (650, 800, 850), "material": ("ripstop nylon",)}, APPAREL, SIZES),
        kind("Insulated Parka", (229, 399), "a long insulated parka for city winters",
             {"fill": ("synthetic", "down"), "waterproof": (True, False)}, APPAREL, SIZES),
        kind("Softshell Jacket", (119, 199), "a stretchy, breathable softshell for big days",
             {"material": ("stretch woven",), "wind_resistant": (True,)}, APPAREL, SIZES),
        kind("Fleece Jacket", (69, 139), "a midweight fleece that layers under a shell",
             {"material": ("recycled polyester fleece",), "weight_gsm": (100, 200)},
             APPAREL, SIZES),
        kind("Trail Running Jacket", (99, 169), "a featherweight running shell",
             {"material": ("ripstop nylon",), "waterproof": (False, True)}, BRIGHT, SIZES),
        kind("Puffer Vest", (89, 159), "an insulated vest for shoulder seasons",
             {"fill": ("synthetic", "down")}, APPAREL, SIZES),
    )),
    Category("tops", 25, (
        kind("Merino Base Layer Crew", (65, 110), "a soft merino base layer that resists odour",
             {"material": ("merino wool",), "weight_gsm": (150, 250)}, APPAREL, SIZES),
        kind("Performance Tee", (29, 49), "a quick-drying tee for runs and hikes",
             {"material": ("polyester", "polyester-merino blend"), "upf": (30, 50)},
             BRIGHT, SIZES),
        kind("Flannel Shirt", (59, 89), "a brushed cotton flannel for camp evenings",
             {"material": ("organic cotton",)}, APPAREL, SIZES),
        kind("Sun Hoodie", (55, 85), "a lightweight hooded sun shirt", {"upf": (50,)},
             BRIGHT, SIZES),
        kind("Quarter-Zip Pullover", (69, 119), "a grid-fleece quarter-zip",
             {"material": ("grid fleece",)}, APPAREL, SIZES),
    )),
    Category("pants", 15, (
        kind("Hiking Pant", (69, 109), "a durable stretch hiking pant",
             {"material": ("nylon-spandex",), "inseam_in": (30, 32, 34)}, PANT_COLORS, WAIST),
        kind("Convertible Pant", (75, 99), "a zip-off pant that turns into shorts",
             {"material": ("nylon",), "upf": (50,)}, PANT_COLORS, WAIST),
        kind("Trail Short", (45, 69), "a light short with a built-in liner",
             {"inseam_in": (5, 7, 9)}, BRIGHT, SIZES),
        kind("Climbing Pant", (79, 119), "a gusseted pant for full range of motion",
             {"material": ("organic cotton canvas",)}, PANT_COLORS, WAIST),
    )),
    Category("footwear", 30, (
        kind("Trail Running Shoe", (119, 169), "a grippy, cushioned trail runner",
             {"drop_mm": (4, 6, 8), "waterproof": (False, True)}, BRIGHT, SHOE_SIZES),
        kind("Waterproof Hiking Boot", (149, 249), "a supportive mid-height waterproof boot",
             {"upper": ("leather", "synthetic"), "waterproof": (True,)}, BOOT_COLORS, SHOE_SIZES),
        kind("Approach Shoe", (129, 179), "a sticky-rubber shoe for scrambles",
             {"outsole": ("sticky rubber",)}, GEAR, SHOE_SIZES),
        kind("Camp Sandal", (49, 89), "an adjustable sandal for river crossings",
             {"strap": ("webbing",)}, BRIGHT, SHOE_SIZES),
        kind("Winter Boot", (159, 259), "an insulated boot rated for deep cold",
             {"temp_rating_f": (-20, -40), "waterproof": (True,)}, BOOT_COLORS, SHOE_SIZES),
        kind("Road Running Shoe", (109, 159), "a responsive everyday running shoe",
             {"drop_mm": (8, 10)}, BRIGHT, SHOE_SIZES),
    )),
    Category("tents", 15, (
        kind("2-Person Backpacking Tent", (279, 499), "a freestanding backpacking tent",
             {"capacity_people": (2,), "season": ("3-season",),
              "packed_weight_kg": (1.4, 1.8, 2.1)}, GEAR),
        kind("4-Person Dome Tent", (199, 349), "a roomy dome tent for car camping",
             {"capacity_people": (4,), "season": ("3-season",), "packed_weight_kg": (4.6, 5.2)},
             GEAR),
        kind("Ultralight Trekking Pole Tent", (329, 549), "a shelter pitched with trekking poles",
             {"capacity_people": (1, 2), "packed_weight_kg": (0.7, 0.9)},
             axis("color", "gray|tan", (1, 2))),
        kind("6-Person Cabin Tent", (349, 599), "a tall cabin tent for families",
             {"capacity_people": (6,), "season": ("3-season",), "packed_weight_kg": (9.5, 11.0)},
             GEAR),
        kind("4-Season Mountaineering Tent", (549, 849), "a storm-worthy tent for snow camping",
             {"capacity_people": (2, 3), "season": ("4-season",)},
             axis("color", "orange|yellow", (1, 1))),
    )),
    Category("sleeping_bags", 12, (
        kind("Down Sleeping Bag", (249, 449), "a lofty mummy bag for cold nights",
             {"temp_rating_f": (15, 20, 30), "fill": ("800-fill down",)}, LENGTH),
        kind("Synthetic Sleeping Bag", (119, 199), "a synthetic bag that stays warm when damp",
             {"temp_rating_f": (30, 40)}, LENGTH),
        kind("Insulated Sleeping Pad", (99, 199), "an inflatable pad with reflective insulation",
             {"r_value": (3.2, 4.5, 6.9)}, axis("length", "Regular|Wide Long")),
        kind("Camp Quilt", (179, 299), "a backless quilt for warm sleepers",
             {"temp_rating_f": (20, 30)}, LENGTH),
    )),
    Category("backpacks", 25, (
        kind("Daypack", (69, 129), "a comfortable pack for day hikes",
             {"capacity_l": (18, 22, 26), "hydration_compatible": (True,)}, GEAR),
        kind("Hiking Backpack", (179, 299), "a load-carrying pack with an adjustable frame",
             {"capacity_l": (45, 55, 65)}, GEAR, axis("size", "S/M|M/L")),
        kind("Travel Pack", (139, 219), "a carry-on travel pack with a clamshell opening",
             {"capacity_l": (35, 40)}, GEAR),
        kind("Hydration Pack", (79, 129), "a running vest with a 2 L reservoir",
             {"capacity_l": (8, 12)}, BRIGHT),
        kind("Commuter Pack", (89, 149), "a weatherproof pack with a padded laptop sleeve",
             {"capacity_l": (20, 26), "laptop_in": (15, 16)}, TECH),
        kind("Duffel", (99, 169), "a burly duffel that carries as a backpack",
             {"material": ("TPU-coated polyester",)},
             priced("capacity", ("40 L", 0), ("60 L", 2000), ("90 L", 4000)), GEAR),
    )),
    Category("kitchen", 25, (
        kind("Stainless Cookset", (59, 119), "a nesting pot set for two",
             {"material": ("stainless steel",), "pieces": (3, 5)},
             priced("capacity", ("1.2 L", 0), ("2.0 L", 1500))),
        kind("Cast Iron Skillet", (29, 69), "a pre-seasoned skillet for camp and home",
             {"material": ("cast iron",)},
             priced("size", ('8"', 0), ('10"', 1000), ('12"', 2000))),
        kind("Insulated Water Bottle", (29, 49), "a vacuum bottle that keeps drinks cold all day",
             {"material": ("18/8 stainless steel",)},
             priced("capacity", ("21 oz", 0), ("32 oz", 500), ("40 oz", 800)), KITCHEN),
        kind("French Press", (29, 59), "an insulated press for camp coffee",
             {"material": ("stainless steel",)}, priced("capacity", ("16 oz", 0), ("34 oz", 1000))),
        kind("Backpacking Stove", (49, 119), "a compact canister stove",
             {"fuel": ("isobutane",), "boil_time_min": (3, 4)}),
        kind("Enamel Mug", (14, 24), "a classic enamel camp mug", {}, KITCHEN),
        kind("Chef's Knife", (49, 129), "a balanced 8-inch chef's knife",
             {"steel": ("VG-10", "German stainless")}),
        kind("Pour-Over Coffee Maker", (24, 45), "a collapsible pour-over dripper", {}, KITCHEN),
    )),
    Category("electronics_accessories", 30, (
        kind("Power Bank", (39, 89), "a rugged power bank with USB-C fast charging",
             {"ports": ("USB-C, USB-A",)},
             priced("capacity", ("10000 mAh", 0), ("20000 mAh", 2000))),
        kind("USB-C Charging Cable", (15, 29), "a braided cable rated for 100 W",
             {"watts": (60, 100)}, priced("length", ("1 m", 0), ("2 m", 500))),
        kind("Solar Charger Panel", (79, 199), "a folding solar panel for camp",
             {"weatherproof": (True,)}, priced("capacity", ("21 W", 0), ("40 W", 6000))),
        kind("Wireless Earbuds", (79, 149), "sweat-resistant earbuds with a charging case",
             {"battery_hours": (6, 8), "water_resistance": ("IPX4", "IPX5")}, TECH),
        kind("Rugged Phone Case", (29, 49), "a drop-tested phone case",
             {"drop_rating_ft": (10, 15)},
             axis("model", "iPhone 15|iPhone 15 Pro|Pixel 8|Galaxy S24")),
        kind("Rechargeable Headlamp", (39, 79), "a bright rechargeable headlamp",
             {"lumens": (350, 500, 800)}, BRIGHT),
        kind("Bluetooth Speaker", (49, 129), "a waterproof speaker that floats",
             {"water_resistance": ("IP67",)}, TECH),
        kind("GaN Wall Charger", (29, 59), "a compact multi-port wall charger",
             {"watts": (65, 100)}, TECH),
    )),
    Category("beauty", 20, (
        kind("Mineral Sunscreen SPF 50", (14, 24), "a reef-friendly mineral sunscreen",
             {"spf": (50,), "water_resistant_min": (80,)},
             priced("size", ("3 oz", 0), ("6 oz", 600))),
        kind("Lip Balm Trio", (9, 14), "three SPF 15 lip balms", {"spf": (15,)},
             axis("flavor", "mint|unscented|citrus", (1, 3))),
        kind("Face Moisturizer", (22, 39), "a light daily moisturizer", {},
             priced("size", ("1.7 oz", 0), ("3.4 oz", 900))),
        kind("Natural Deodorant", (10, 16), "an aluminium-free deodorant", {},
             axis("scent", "cedar|lavender|unscented", (2, 3))),
        kind("Biodegradable Camp Soap", (8, 14), "a concentrated soap for camp",
             {"biodegradable": (True,)}, priced("size", ("4 oz", 0), ("8 oz", 400))),
        kind("Shampoo Bar", (11, 16), "a zero-waste shampoo bar", {},
             axis("scent", "rosemary|citrus|unscented", (2, 3))),
    ), final_sale=True,
       final_sale_note="For hygiene reasons personal-care items are final sale."),
    Category("underwear", 12, (
        kind("Merino Boxer Brief", (29, 39), "a breathable merino boxer brief",
             {"material": ("merino wool",)}, APPAREL, SIZES),
        kind("Sports Bra", (39, 59), "a medium-support sports bra",
             {"support": ("medium", "high")}, BRIGHT, SIZES),
        kind("Hipster Brief", (18, 26), "a seamless everyday brief", {}, APPAREL, SIZES),
    ), final_sale=True, final_sale_note="Underwear is final sale for hygiene reasons."),
    Category("swimwear", 12, (
        kind("Board Shorts", (45, 69), "a pair of quick-dry board shorts",
             {"inseam_in": (8, 10)}, BRIGHT, SIZES),
        kind("One-Piece Swimsuit", (69, 109), "a supportive one-piece for laps and lakes",
             {"upf": (50,)}, BRIGHT, SIZES),
        kind("Bikini Top", (39, 59), "a reversible bikini top", {}, BRIGHT, SIZES),
        kind("Swim Trunks", (39, 55), "a pair of lined swim trunks", {}, BRIGHT, SIZES),
    ), final_sale=True, final_sale_note="Swimwear is final sale for hygiene reasons."),
    Category("gift_cards", 3, (
        kind("Gift Card", (25, 25), "a physical gift card in a recycled-paper sleeve",
             {"expires": (False,)},
             priced("amount", ("$25", 0), ("$50", 2500), ("$100", 7500), ("$250", 22500))),
    ), final_sale=True, final_sale_note="Gift cards cannot be returned."),
)  # fmt: skip
