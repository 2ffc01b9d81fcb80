"""Generated pseudonyms: an animal and a colour ("Loutre turquoise", "Turquoise otter").

No real name is ever asked; the student may edit the one they get (:func:`clean_name`).
French colours below are invariable or epicene, so they agree with every animal.
"""

from __future__ import annotations

import random
import re
import unicodedata

ANIMALS = {
    "fr": ("Loutre", "Renard", "Panda", "Hibou", "Lynx", "Castor", "Koala", "Faucon", "Tortue",
           "Dauphin", "Blaireau", "Gazelle", "Manchot", "Hérisson", "Écureuil", "Lama", "Zèbre",
           "Chamois", "Pélican", "Héron", "Bison", "Caméléon", "Colibri", "Morse"),
    "en": ("Otter", "Fox", "Panda", "Owl", "Lynx", "Beaver", "Koala", "Falcon", "Turtle",
           "Dolphin", "Badger", "Gazelle", "Penguin", "Hedgehog", "Squirrel", "Llama", "Zebra",
           "Chamois", "Pelican", "Heron", "Bison", "Chameleon", "Hummingbird", "Walrus"),
}
COLOURS = {
    "fr": ("turquoise", "indigo", "orange", "marron", "émeraude", "ocre", "rose", "rouge",
           "jaune", "pourpre", "magenta", "cyan", "olive", "safran", "corail", "lavande"),
    "en": ("Turquoise", "Indigo", "Orange", "Brown", "Emerald", "Ochre", "Pink", "Red",
           "Yellow", "Purple", "Magenta", "Cyan", "Olive", "Saffron", "Coral", "Lavender"),
}
NAME_MIN, NAME_MAX = 2, 24
_ALLOWED = re.compile(r"^[\w .'’-]+$")


def generate(lang: str, taken: set[str], rng: random.Random | None = None) -> str:
    """A pseudonym not in ``taken`` (compared without case); a number is added when every
    pair is taken (a room of 400)."""
    rng = rng or random.Random()
    lang = lang if lang in ANIMALS else "fr"
    low = {t.casefold() for t in taken}
    for _ in range(50):
        a, c = rng.choice(ANIMALS[lang]), rng.choice(COLOURS[lang])
        name = f"{a} {c}" if lang == "fr" else f"{c} {a.lower()}"
        if name.casefold() not in low:
            return name
    while True:
        name = f"{name.rsplit(' ', 1)[0] if name[-1].isdigit() else name} {rng.randint(2, 999)}"
        if name.casefold() not in low:
            return name


def clean_name(raw: str) -> str | None:
    """The pseudonym as typed, tidied (spaces, Unicode form), or None when it cannot be one:
    too short or long, or with characters other than letters, digits, spaces and ``.'-``."""
    if not isinstance(raw, str):
        return None
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not NAME_MIN <= len(name) <= NAME_MAX or not _ALLOWED.match(name):
        return None
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return None
    return name
