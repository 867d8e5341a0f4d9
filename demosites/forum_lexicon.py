"""Words forum users write: slang for substances, ways to name a vendor, post templates.

Templates only name substances through ``{s}``/``{s2}`` slots and vendors through ``{vm}``,
so the truth (which substances and vendors a post mentions) is exact by construction.
"""

from __future__ import annotations

SLANG: dict[str, tuple[str, ...]] = {
    "alprazolam": ("xans", "xanax", "alprazolan", "xannies", "alprazolam"),
    "mdma": ("molly", "mandy", "mdma", "xtc pills"),
    "methamphetamine": ("tina", "crystal", "ice", "meth"),
    "amphetamine": ("speed", "amphetamine", "amph"),
    "cocaine": ("coke", "charlie", "yayo", "cocaine"),
    "ketamine": ("ket", "ketamin", "ketamine", "k"),
    "3-mmc": ("3mmc", "3-MMC"),
    "4-mmc": ("mephedrone", "4mmc", "meow meow"),
    "3-cmc": ("3cmc", "3-CMC"),
    "cannabis": ("weed", "bud", "kush"),
    "cannabis-resin": ("hash",),
    "cannabis-concentrate": ("wax", "shatter"),
    "heroin": ("smack", "heroin", "H"),
    "oxycodone": ("oxys", "oxycontin", "oxycodone"),
    "lsd": ("acid", "lsd", "lucy"),
    "psilocybin-mushrooms": ("shrooms", "mushies", "magic mushrooms"),
    "diazepam": ("valium", "diazepam", "vals"),
    "clonazepam": ("klonopin", "rivotril", "clonazepam"),
    "pregabalin": ("lyrica", "pregabalin"),
    "2c-b": ("2cb", "2C-B"),
    "dmt": ("dmt", "DMT"),
    "etizolam": ("etizolam", "etiz"),
    "tramadol": ("tramadol", "trammies"),
    "hhc": ("hhc", "HHC"),
    "1p-lsd": ("1p-lsd", "1P-LSD"),
    "2-fdck": ("2fdck", "2F-DCK"),
    "protonitazene": ("protonitazene",),
}
BROMAZOLAM_SLANG = ("bromazolam", "Bromazolam", "broma")
NOVEL_FORMS = ("MDMB-3en-PXINACA",)
# substances picked more often in chatter
COMMON = ("cocaine", "mdma", "ketamine", "cannabis", "alprazolam", "3-mmc", "amphetamine",
          "lsd", "psilocybin-mushrooms", "methamphetamine", "heroin", "4-mmc")

MENTION = ("vendor {v}", "@{v}", "{v}'s shop", "{v}")

REVIEW = (
    "Ordered {qty} of {s} from {vm}. Stealth was on point, arrived in {days} days. {verdict}",
    "{vm} came through again, the {s} is {adj}. 5/5",
    "Review: {s} from {vm} - {adj}. Weighed it, got a bit extra.",
    "second order from {vm}, {s} was {adj} this time. {verdict}",
)
QUESTION = (
    "Anyone tried the {s} from {vm}? Is it legit?",
    "how much {s} for a first time?? never tried it before",
    "Is {vm} still active? havent heard back in {days} days",
    "whats the best place for {s} in the EU right now",
)
TRIP = (
    "Trip report: took {dose} of {s} at a festival. Came up after 40 min, felt {adj}. "
    "Would do again but not soon.",
    "Did {s} last night with friends, {adj} experience. Hydrate people!!",
    "first time on {s}. {adj}. music sounded amazing 🎶",
)
HARM = (
    "PSA: never mix {s} with {s2}. Seriously.",
    "Test your {s}, reagent kits are cheap. Mine from {vm} tested fine.",
    "combining {s} and {s2} is how people end up in the ER",
)
CHAT = (
    "lol same", "+1", "thanks for the info mate", "which market are you guys using now?",
    "escrow is the way to go", "this ^", "mods pls pin this", "good luck with that",
    "never had a problem with customs here", "use PGP. always.",
)
NPS = (
    "Has anyone tried {s}? Seeing it on {market} from {vm} now.",
    "{s} is no joke, blacked out on a low dose. Be careful.",
    "Got {qty} of {s} from {vm}, dosing is tricky. Use a milligram scale!",
    "is {s} even legal? {vm} sells it like candy",
)
NOVEL_POSTS = (
    "New cannabinoid {s} showing up on {market}, {vm} sells it. Any info on dosing??",
    "Smoked some {s} from {vm} - way stronger than regular spice. careful.",
    "{vm} has {s} listed at {qty}. Never heard of it, anyone have a lab report?",
)
SEIZURE = (
    "Just saw the banner, velvet-alley is gone. LE seizure.",
    "velvet-alley seized?? I had an order in escrow 😭",
    "{vm} said they moved to {market}, same PGP key. verify!",
)
LOCAL: dict[str, tuple[str, ...]] = {
    "de": ("Hat jemand Erfahrung mit {s} von {vm}? Lieferung hat {days} Tage gedauert.",
           "Bei {vm} bestellt, {s} war top."),
    "nl": ("Besteld bij {vm}, de {s} was topkwaliteit.",),
    "ru": ("Кто-нибудь брал {s} у {vm}? Доставка была быстрой.",),
    "es": ("Compré {s} a {vm}, llegó en una semana. Todo bien.",),
    "fr": ("Quelqu'un a testé la {s} de {vm} ?",),
    "pl": ("Zamówiłem {s} od {vm}, wszystko ok.",),
}
ADJ = ("amazing", "mid", "pretty weak", "insane", "solid", "garbage tbh", "clean", "euphoric")
VERDICT = ("Would order again.", "Not impressed.", "Legit.", "Avoid.", "10/10 stealth.")
QTY = ("5g", "10 pills", "half a gram", "an ounce", "2g", "50 pcs")
DOSE = ("150mg", "a half", "2 points", "one pill", "a bump")

TITLES = {
    "review": ("Review: {s} from {v}", "{v} - review", "[REVIEW] {v} {s}"),
    "question": ("Question about {s}", "{s} dosage?", "is {v} legit?"),
    "trip": ("Trip report: {s}", "{s} experience", "my first {s} trip"),
    "harm": ("PSA: {s} safety", "Harm reduction: {s}"),
    "chat": ("Which market now?", "Customs letter - should I worry?", "PGP help",
             "Weekly discussion thread"),
    "nps": ("{s} - anyone?", "{s} experiences", "New benzo: {s}"),
    "novel": ("{s}?? new cannabinoid", "anyone know {s}"),
    "seizure": ("velvet-alley seized!!", "velvet-alley down?"),
}
USER_A = ("throwaway", "harmreduxer", "nightowl", "lurker", "anon", "plur", "raver", "sailor",
          "grumpy", "curious", "tripsitter", "festival", "quiet", "oldtimer", "newbie")
USER_B = ("42", "_eu", "99", "_nl", "x", "2020", "_uk", "77", "_de", "", "_88", "1312")
