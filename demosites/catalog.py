"""What the fictional vendors sell: products with titles in street language, and their truth.

Each ``Product`` ties display templates (slang, misspellings, emoji) to the canonical
substance id the truth reports. Titles use ``{q}`` (quantity) and ``{dose}`` placeholders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["g", "unit", "ml", "item"]

# category keys -> (slug, label) are per market (see sites); keys are shared
DRUG_CATEGORIES = (
    "stimulants", "ecstasy", "opioids", "benzos", "psychedelics", "dissociatives",
    "cannabis", "rcs", "prescription", "other",
)
NONDRUG_CATEGORIES = ("guides", "fraud", "counterfeits", "services")


@dataclass(frozen=True, slots=True)
class Product:
    """A kind of thing a listing sells, with its truth."""

    key: str
    substance: str | None  # canonical id; None for non-drugs and the novel substance
    category: str
    unit: Unit
    unit_usd: float  # street price of one g / unit / ml / item
    quantities: tuple[float, ...]
    titles: tuple[str, ...]
    dose_mg: float | None = None
    novel: str | None = None
    drug: bool = True
    units_fixed: float | None = None  # non-drug items whose title states a count


def _p(key: str, sub: str | None, cat: str, unit: Unit, usd: float,
       qs: tuple[float, ...], titles: tuple[str, ...], dose: float | None = None) -> Product:
    return Product(key, sub, cat, unit, usd, qs, titles, dose)


G_SMALL = (0.5, 1.0, 2.0, 3.5, 5.0)
G_MID = (1.0, 5.0, 10.0, 25.0)
G_BULK = (5.0, 10.0, 25.0, 50.0, 100.0)
PILLS = (10.0, 20.0, 50.0, 100.0)
TABS = (5.0, 10.0, 25.0, 50.0)

PRODUCTS: tuple[Product, ...] = (
    _p("coke", "cocaine", "stimulants", "g", 78, (0.5, 1.0, 2.0, 3.5, 7.0, 10.0, 28.0), (
        "{q}g Colombian Cocaine 90% pure", "COKE {q}G ❄️ uncut fishscale",
        "{q} gram Peruvian flake coke - lab tested", "Charlie {q}g - TOP QUALITY - free reship",
        "{q}G Bolivian cocaine HCL")),
    _p("crack", "crack-cocaine", "stimulants", "g", 90, (0.5, 1.0, 2.0), (
        "{q}g crack rocks - ready to smoke", "Crack cocaine {q}g (ready rock)")),
    _p("speed", "amphetamine", "stimulants", "g", 9, G_BULK, (
        "{q}g Speed paste 65%", "Amphetamine sulphate {q}G", "{q}g SPEED - pink paste 💗")),
    _p("meth", "methamphetamine", "stimulants", "g", 42, (1.0, 3.5, 7.0, 14.0, 28.0), (
        "{q}g Crystal Meth shards 💎", "Tina {q}g - glass", "ICE {q}g clear crystal methamphetamine")),
    _p("mdma-cr", "mdma", "ecstasy", "g", 30, G_MID, (
        "{q}g MDMA crystal 84% champagne", "Molly {q}g - dutch rocks", "Mandy {q}G brown crystals")),
    _p("mdma-pill", "mdma", "ecstasy", "unit", 5, PILLS, (
        "{q}x Blue Punisher XTC pills {dose}mg", "{q} x Tesla ecstasy pills ({dose}mg MDMA)",
        "{q}x XTC pills Philipp Plein {dose}mg 🔥"), 240),
    _p("ket", "ketamine", "dissociatives", "g", 27, G_MID, (
        "{q}g Ketamine needles S-isomer", "Ket {q}g shards 🐴", "KETAMIN {q}g - top shards")),
    _p("fdck", "2-fdck", "dissociatives", "g", 24, G_MID, (
        "{q}g 2F-DCK (2-FDCK) crystals", "2-FDCK {q}g")),
    _p("mxp", "3-meo-pcp", "dissociatives", "g", 30, (0.5, 1.0, 5.0), (
        "{q}g 3-MeO-PCP powder", "3-MEO-PCP {q}G research")),
    _p("heroin", "heroin", "opioids", "g", 88, (0.5, 1.0, 2.0, 5.0), (
        "{q}g #4 Heroin afghan", "{q}g brown smack (#3)", "Heroin {q}G - high purity")),
    _p("oxy", "oxycodone", "opioids", "unit", 22, (10.0, 20.0, 50.0), (
        "{q}x Oxycodone {dose}mg M-box", "OXYS {q}pcs {dose}mg (blues)",
        "{q}x OxyContin {dose}mg"), 30),
    _p("fent", "fentanyl", "opioids", "unit", 28, (5.0, 10.0, 20.0), (
        "{q}x Fentanyl patches 100mcg/h (Durogesic)",)),
    _p("tram", "tramadol", "prescription", "unit", 1.2, (30.0, 60.0, 100.0), (
        "{q}x Tramadol {dose}mg", "Tramadol {dose}mg x {q} tabs"), 50),
    _p("codeine", "codeine", "opioids", "unit", 1.5, (20.0, 50.0, 100.0), (
        "{q}x Codeine phosphate {dose}mg",), 30),
    _p("morphine", "morphine", "opioids", "unit", 6, (10.0, 30.0), (
        "{q}x Morphine sulfate {dose}mg MST continus",), 30),
    _p("methadone", "methadone", "opioids", "unit", 3, (20.0, 50.0), (
        "{q}x Methadone {dose}mg tabs",), 10),
    _p("bupe", "buprenorphine", "opioids", "unit", 12, (7.0, 14.0, 28.0), (
        "{q}x Subutex {dose}mg (buprenorphine)",), 8),
    _p("protonit", "protonitazene", "opioids", "g", 320, (0.1, 0.25, 0.5, 1.0), (
        "{q}g Protonitazene HCl - research only",)),
    _p("metonit", "metonitazene", "opioids", "g", 300, (0.1, 0.25, 0.5), (
        "{q}g Metonitazene powder",)),
    _p("isonit", "isotonitazene", "opioids", "g", 340, (0.1, 0.25, 0.5), (
        "Isotonitazene (ISO) {q}g",)),
    _p("pyrnit", "n-pyrrolidino-protonitazene", "opioids", "g", 380, (0.1, 0.25), (
        "{q}g N-Pyrrolidino Protonitazene (protonitazepyne)",)),
    _p("xanax", "alprazolam", "benzos", "unit", 2.2, (10.0, 30.0, 50.0, 100.0, 500.0), (
        "{q}x Xanax {dose}mg bars (Pfizer) 🔥", "XANS {q} pcs {dose}mg - green bars",
        "Alprazolan {dose}mg x{q} generic", "{q} xannies yellow school bus {dose}mg"), 2),
    _p("valium", "diazepam", "benzos", "unit", 0.8, PILLS, (
        "{q}x Valium {dose}mg Roche", "Diazepam {dose}mg x {q} (blue)"), 10),
    _p("klon", "clonazepam", "benzos", "unit", 1.5, PILLS, (
        "{q}x Rivotril {dose}mg", "Klonopin {dose}mg - {q} pills"), 2),
    _p("lora", "lorazepam", "benzos", "unit", 1.6, PILLS, (
        "{q}x Lorazepam {dose}mg (Tavor)", "Ativan {dose}mg x{q}"), 2.5),
    _p("etiz", "etizolam", "benzos", "unit", 0.6, (20.0, 50.0, 100.0), (
        "{q}x Etizolam {dose}mg pellets", "Etizest {dose}mg x{q}"), 1),
    _p("flualp", "flualprazolam", "benzos", "unit", 1.0, (20.0, 50.0, 100.0), (
        "{q}x Flualprazolam {dose}mg tabs",), 0.5),
    _p("clonaz", "clonazolam", "benzos", "unit", 1.0, (20.0, 50.0, 100.0), (
        "{q}x Clonazolam {dose}mg pellets",), 0.5),
    _p("lsd", "lsd", "psychedelics", "unit", 7, TABS, (
        "{q}x LSD blotters 150ug - Hofmann print", "Acid tabs x{q} (150µg)",
        "{q} x Lucy 150ug tabs 🌈"), 0.15),
    _p("1plsd", "1p-lsd", "psychedelics", "unit", 6, TABS, (
        "{q}x 1P-LSD blotters 100ug",), 0.1),
    _p("shrooms", "psilocybin-mushrooms", "psychedelics", "g", 9, (5.0, 10.0, 28.0, 56.0), (
        "{q}g Golden Teacher mushrooms dried", "Shrooms {q}g - B+ cubensis 🍄",
        "Magic mushrooms {q}g psilocybe cubensis")),
    _p("dmt", "dmt", "psychedelics", "g", 85, (0.5, 1.0, 2.0), (
        "{q}g N,N-DMT crystal", "DMT freebase {q}g")),
    _p("mesc", "mescaline", "psychedelics", "g", 60, (0.5, 1.0), (
        "Mescaline HCl {q}g", "{q}g mescaline sulfate")),
    _p("2cb", "2c-b", "psychedelics", "unit", 9, (5.0, 10.0, 25.0), (
        "{q}x 2C-B pills {dose}mg (pink)", "Nexus 2CB {dose}mg x {q}"), 20),
    _p("2ci", "2c-i", "psychedelics", "unit", 8, (5.0, 10.0), (
        "{q}x 2C-I caps {dose}mg",), 15),
    _p("nbome", "25i-nbome", "psychedelics", "unit", 4, (10.0, 25.0), (
        "{q}x 25I-NBOMe blotters 800ug",), 0.8),
    _p("4homet", "4-ho-met", "psychedelics", "g", 30, (0.5, 1.0, 2.0), (
        "{q}g 4-HO-MET fumarate",)),
    _p("ghb", "ghb", "other", "ml", 0.3, (100.0, 250.0, 500.0), (
        "GHB {q}ml liquid", "{q}ml G (GHB) ready to use")),
    _p("gbl", "gbl", "other", "ml", 0.12, (100.0, 500.0, 1000.0), (
        "{q}ml GBL 99.9% (wheel cleaner)",)),
    _p("3mmc", "3-mmc", "rcs", "g", 14, G_BULK, (
        "{q}g 3-MMC crystals", "3MMC {q}G - new batch", "3-MMC (3-methylmethcathinone) {q}g")),
    _p("4mmc", "4-mmc", "rcs", "g", 19, G_MID, (
        "{q}g Mephedrone 4-MMC 🐱 meow", "4MMC {q}g crystals")),
    _p("3cmc", "3-cmc", "rcs", "g", 12, G_BULK, (
        "{q}g 3-CMC (clophedrone)", "3CMC {q}g big crystals")),
    _p("4cmc", "4-cmc", "rcs", "g", 11, G_BULK, (
        "{q}g 4-CMC crystal", "4CMC {q}g")),
    _p("apvp", "a-pvp", "rcs", "g", 20, G_MID, (
        "{q}g A-PVP flakka crystal", "alpha-PVP {q}g")),
    _p("euty", "eutylone", "rcs", "g", 15, G_MID, (
        "{q}g Eutylone crystals (bk-EBDB)", "Eutylone {q}g rocks")),
    _p("4en", "mdmb-4en-pinaca", "rcs", "g", 30, (1.0, 5.0, 10.0), (
        "{q}g MDMB-4en-PINACA powder", "MDMB-4EN-PINACA {q}g for spice")),
    _p("adbb", "adb-butinaca", "rcs", "g", 32, (1.0, 5.0, 10.0), (
        "{q}g ADB-BUTINACA powder 99%",)),
    _p("lyrica", "pregabalin", "prescription", "unit", 0.9, (28.0, 56.0, 100.0), (
        "{q}x Lyrica {dose}mg (pregabalin)", "Pregabalin {dose}mg x {q} caps"), 300),
    _p("zop", "zopiclone", "prescription", "unit", 0.8, (28.0, 56.0), (
        "{q}x Zopiclone {dose}mg (Imovane)",), 7.5),
    _p("weed", "cannabis", "cannabis", "g", 9, (3.5, 7.0, 14.0, 28.0, 100.0), (
        "{q}g Amnesia Haze 🌿 AAA+", "Kush {q}g - indoor bud", "{q}G WEED - Gorilla Glue #4",
        "OG Kush {q}g top shelf")),
    _p("hash", "cannabis-resin", "cannabis", "g", 7, G_BULK, (
        "{q}g Moroccan hash (Ketama gold)", "{q}g Afghan Hashish", "HASH {q}g - Dry sift")),
    _p("wax", "cannabis-concentrate", "cannabis", "g", 30, (1.0, 3.5, 7.0), (
        "{q}g Shatter - Gelato", "{q}g wax (BHO) 85% THC")),
    _p("hhc", "hhc", "cannabis", "g", 8, (5.0, 10.0, 25.0), (
        "{q}g HHC flower Amnesia 25%", "HHC {q}g buds - legal high")),
    _p("hhcp", "hhc-p", "cannabis", "g", 14, (1.0, 5.0), ("{q}g HHC-P distillate",)),
    _p("thcp", "thcp", "cannabis", "g", 16, (1.0, 5.0), ("THCP {q}g distillate",)),
)

# how often vendors list a product relative to others (default 1): street staples dominate
POPULARITY: dict[str, float] = {
    "coke": 6, "weed": 7, "mdma-pill": 4, "mdma-cr": 3, "speed": 3, "ket": 4, "xanax": 5,
    "lsd": 3, "shrooms": 3, "hash": 4, "heroin": 2, "meth": 2, "oxy": 2, "valium": 2,
    "3mmc": 2, "4mmc": 2, "wax": 2, "2cb": 2, "lyrica": 2, "tram": 2,
    "hhcp": 0.5, "thcp": 0.5, "nbome": 0.5, "protonit": 0.4, "metonit": 0.4, "isonit": 0.4,
    "pyrnit": 0.3, "crack": 0.6, "mesc": 0.6, "4homet": 0.5, "2ci": 0.5, "mxp": 0.6,
}

# Planted: the emerging benzo, and a substance no gazetteer knows.
BROMAZOLAM: tuple[Product, ...] = (
    _p("broma-pellet", "bromazolam", "benzos", "unit", 1.2, (20.0, 50.0, 100.0), (
        "{q}x Bromazolam {dose}mg pellets", "BROMAZOLAM {dose}mg x {q} - new benzo",), 1),
    _p("broma-powder", "bromazolam", "benzos", "g", 55, (1.0, 5.0), (
        "{q}g Bromazolam powder (pure)",)),
)
NOVEL = Product(
    "novel", None, "rcs", "g", 26, (1.0, 5.0, 10.0, 25.0),
    ("{q}g MDMB-3en-PXINACA", "MDMB-3en-PXINACA {q}g - new generation cannabinoid 99%",
     "{q}g MDMB-3en-PXINACA powder (premium)"),
    novel="MDMB-3en-PXINACA",
)


def _nd(key: str, cat: str, usd: float, title: str, *, units: float | None = None,
        dose: float | None = None) -> Product:
    return Product(key, None, cat, "item", usd, (1.0,), (title,), dose, None, False, units)


NONDRUGS: tuple[Product, ...] = (
    _nd("guide-opsec", "guides", 19, "The Complete Darknet OPSEC Guide 2026 (PDF e-book)"),
    _nd("guide-test", "guides", 12, "Cocaine purity testing guide - e-book (PDF)"),
    _nd("guide-crypto", "guides", 25, "How to cash out crypto anonymously – eBook bundle"),
    _nd("doc-dl", "fraud", 90, "UK driving licence template (PSD, editable)"),
    _nd("doc-id", "fraud", 150, "Novelty EU ID card - counterfeit, high quality"),
    _nd("watch-rolex", "counterfeits", 240, "Rolex Submariner replica watch AAA+ ⌚"),
    _nd("watch-omega", "counterfeits", 190, "Fake Omega Seamaster - swiss movement"),
    _nd("tshirt", "counterfeits", 22, "Pirate Skull T-shirt (black, XL) 🏴‍☠️"),
    _nd("hack-ig", "services", 120, "Instagram account hacking service"),
    _nd("hack-ddos", "services", 80, "DDoS stresser - 24h access"),
    _nd("5htp", "other", 14, "5-HTP supplement 100mg x60 caps (after-care)", units=60, dose=100),
    _nd("mk677", "other", 45, "MK-677 research peptide 25mg x30", units=30, dose=25),
)

# Titles in other languages, by language then product key; the listing's lang follows.
LOCAL_TITLES: dict[str, dict[str, tuple[str, ...]]] = {
    "de": {"coke": ("{q}g Kokain 90% rein - Versand aus Deutschland",),
           "speed": ("{q}g Pep / Speed Paste - Versand aus Deutschland",),
           "weed": ("{q}g Gras Amnesia - Versand aus DE",),
           "mdma-pill": ("{q}x XTC Pillen {dose}mg - Versand aus Deutschland",)},
    "fr": {"coke": ("{q}g Cocaïne pure - envoi depuis la France",),
           "hash": ("{q}g Shit marocain (hasch) - envoi depuis la France",)},
    "es": {"coke": ("{q}g Cocaína colombiana - envío desde España",),
           "weed": ("{q}g Marihuana Amnesia - envío desde España",)},
    "nl": {"mdma-pill": ("{q}x XTC pillen {dose}mg - verzending vanuit Nederland",),
           "ket": ("{q}g Ketamine naalden - verzending vanuit Nederland",),
           "3mmc": ("{q}g 3-MMC kristallen - verzending vanuit Nederland",)},
    "pl": {"speed": ("{q}g Amfetamina (feta) - wysyłka z Polski",),
           "4mmc": ("{q}g Mefedron 4-MMC - wysyłka z Polski",)},
    "ru": {"4mmc": ("{q}г Мефедрон (меф) - доставка из России",),
           "weed": ("{q}г Шишки Amnesia - доставка из России",),
           "apvp": ("{q}г Альфа-PVP (соль) - доставка из России",)},
}

LOCAL_DESC: dict[str, tuple[str, ...]] = {
    "de": ("Beste Qualität, getestet.", "Versand aus Deutschland, diskret verpackt.",
           "Versand Mo-Fr innerhalb 24h.", "Bei Verlust 50% Reship."),
    "fr": ("Qualité supérieure, testée.", "Envoi depuis la France, emballage discret.",
           "Expédition sous 48h.", "Pas de FE sans historique."),
    "es": ("Calidad top, probada.", "Envío desde España, sellado al vacío.",
           "Envío en 24-48h.", "Reenvío si se pierde."),
    "nl": ("Topkwaliteit, getest.", "Verzending vanuit Nederland, vacuüm verpakt.",
           "Verzending binnen 24 uur.", "Bij verlies 50% herzending."),
    "pl": ("Najwyższa jakość, testowane.", "Wysyłka z Polski, dyskretne pakowanie.",
           "Wysyłka w 24h.", "Reship przy zgubieniu."),
    "ru": ("Лучшее качество, проверено.", "Доставка из России, надёжная упаковка.",
           "Отправка в течение 24 часов.", "Перевыслаем при потере."),
}
LANG_ORIGIN = {"de": "DE", "fr": "FR", "es": "ES", "nl": "NL", "pl": "PL", "ru": "RU"}

EN_DESC = (
    "Top quality, reagent tested before every batch.",
    "Stealth: vacuum sealed x2, MBB, looks like normal post.",
    "Ships within 24h Mon-Fri. No weekend shipping.",
    "FE only for buyers with 20+ orders.",
    "Lost packs: 50% reship after 14 days. Seizures: no reship.",
    "Please leave honest feedback!! 🙏",
    "Bulk orders - message us for a custom listing.",
    "Tracking available for +15 USD.",
    "dont message me asking for samples. NO SAMPLES.",
)
NONDRUG_DESC = (
    "Instant digital delivery after payment.",
    "No refunds on digital goods.",
    "Message me with any questions before you order.",
)


def all_products() -> tuple[Product, ...]:
    """Every product, planted ones included (used to validate templates)."""
    return PRODUCTS + BROMAZOLAM + (NOVEL,) + NONDRUGS


def fmt_qty(q: float) -> str:
    """1.0 -> "1", 3.5 -> "3.5", 0.25 -> "0.25"."""
    return f"{q:g}"


def make_title(template: str, q: float, dose: float | None) -> str:
    """Fill a title template with a quantity and dose."""
    return template.format(q=fmt_qty(q), dose=fmt_qty(dose) if dose is not None else "")


def price_usd(product: Product, q: float, vendor_factor: float) -> float:
    """Street price for ``q`` of a product, with a bulk discount (exponent < 1)."""
    base = product.unit_usd * (q ** 0.86 if product.unit != "item" else 1.0) * vendor_factor
    return round(max(base, 3.0), 2)
