"""espeak-ng phoneme mnemonics -> the 15 Oculus visemes (table documented in docs/lipsync.md).

espeak-ng names its phonemes per language, but the languages used here share most mnemonics
(a Kirshenbaum-like ASCII alphabet). `COMMON` maps them; `LANGUAGE` overrides per language.
Lookup order: language override, common table (exact), the name without length/variant marks
(`:`, digits, `-`, `#`, `~`, `2`...), then its first character. Diphthongs map to two visemes
(first and second half of the segment). `h` and other "transparent" phonemes take the viseme
of the following vowel.
"""

VISEMES = ["sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou"]

# Marks that modify a phoneme without a viseme of their own (merged into the previous one).
MODIFIERS = {";", "'", ",", "!"}

# Take the viseme of the next vowel (coarticulated to it).
TRANSPARENT = {"h", "h#", "?", "Q", "@-"}

COMMON = {
    # silence / pauses
    "_": "sil", "_:": "sil", "_!": "sil", "_|": "sil", "_^_": "sil", "_;": "sil",
    # bilabials
    "p": "PP", "b": "PP", "m": "PP", "B": "PP", "m-": "PP", "p-": "PP",
    # labiodentals
    "f": "FF", "v": "FF", "F": "FF", "pf": "PP",
    # dentals
    "T": "TH", "D": "TH",
    # alveolar stops, taps
    "t": "DD", "d": "DD", "t#": "DD", "d#": "DD", "*": "DD", "t2": "DD", "d2": "DD",
    # velars, uvular, glottal fricative
    "k": "kk", "g": "kk", "N": "kk", "x": "kk", "G": "kk", "q": "kk", "c": "kk", "J^": "kk", "kh": "kk",
    # post-alveolars, affricates
    "tS": "CH", "dZ": "CH", "S": "CH", "Z": "CH", "C": "CH", "tS;": "CH", "dZ;": "CH", "S;": "CH", "Z;": "CH",
    # sibilants
    "s": "SS", "z": "SS", "ts": "SS", "dz": "SS", "z2": "SS", "z#": "SS", "s2": "SS",
    # nasals, laterals
    "n": "nn", "l": "nn", "L": "nn", "J": "nn", "n-": "nn", "l/": "nn", "l#": "nn", "@L": "nn", "ll": "nn",
    # rhotics
    "r": "RR", "R": "RR", "r-": "RR", "3": "RR", "3:": "RR", "R2": "RR", "rr": "RR", "r/": "RR", "a#": "aa",
    # glides
    "w": "ou", "j": "ih", "W": "oh", "y": "ou", "Y": "ou", "H": "ou",
    # open vowels
    "a": "aa", "A": "aa", "a:": "aa", "A:": "aa", "A@": "aa", "V": "aa", "0": "oh", "aa": "aa", "&": "aa", "A~": "aa",
    # mid front vowels
    "e": "E", "E": "E", "e:": "E", "E:": "E", "@": "E", "@2": "E", "@1": "E", "E2": "E", "E~": "E", "e@": "E",
    "W~": "E", "9": "oh", "9~": "oh", "&~": "aa", "a~": "aa", "e~": "E",
    # close front vowels
    "i": "ih", "I": "ih", "i:": "ih", "I2": "ih", "i@": "ih", "I#": "ih", "i#": "ih", "y:": "ou", "Y:": "ou",
    # back rounded vowels
    "o": "oh", "O": "oh", "o:": "oh", "O:": "oh", "O@": "oh", "o@": "oh", "O~": "oh", "o~": "oh", "2": "oh", "2:": "oh",
    # close back rounded vowels
    "u": "ou", "U": "ou", "u:": "ou", "U@": "ou", "u~": "ou", "U~": "ou", "8": "ou",
}

# Diphthongs -> (first half, second half).
DIPHTHONGS = {
    "aI": ("aa", "ih"), "aU": ("aa", "ou"), "eI": ("E", "ih"), "oU": ("oh", "ou"), "OI": ("oh", "ih"),
    "aI@": ("aa", "ih"), "aU@": ("aa", "ou"), "i@3": ("ih", "E"), "e@": ("E", "E"), "@U": ("E", "ou"),
    "OY": ("oh", "ih"), "aI3": ("aa", "ih"), "ai": ("aa", "ih"), "au": ("aa", "ou"), "ei": ("E", "ih"),
    "oi": ("oh", "ih"), "Ei": ("E", "ih"), "9y": ("oh", "ou"), "Au": ("aa", "ou"), "ui": ("ou", "ih"),
    "eU": ("E", "ou"), "EI": ("E", "ih"), "Oi": ("oh", "ih"), "aw": ("aa", "ou"), "aj": ("aa", "ih"),
    "ej": ("E", "ih"), "oj": ("oh", "ih"), "uj": ("ou", "ih"), "Ej": ("E", "ih"), "ew": ("E", "ou"),
}

LANGUAGE = {
    "en": {"r": "RR", "3:": "RR", "@2": "E", "a#": "E", "0": "oh", "w": "ou"},
    "de": {"R": "RR", "r": "RR", "x": "kk", "C": "CH", "W": "oh", "Y": "ou", "y:": "ou", "6": "aa", "@6": "E", "Q": "sil"},
    "fr": {"R": "RR", "r": "RR", "Z": "CH", "w": "ou", "H": "ou", "y": "ou", "W": "oh", "W~": "E", "@-": "E"},
    "es": {"B": "PP", "D": "TH", "G": "kk", "r": "DD", "R": "RR", "J": "nn", "x": "kk", "T": "TH"},
    "it": {"r": "DD", "*": "DD", "R": "RR", "ts": "SS", "dz": "SS", "J": "nn", "L": "nn"},
    "pt": {"R": "kk", "r": "DD", "&": "aa", "&~": "aa", "L": "nn", "J": "nn", "w": "ou"},
    "nl": {"G": "kk", "x": "kk", "Y": "ou", "Q": "sil", "r": "RR", "w": "FF"},
}

_VOWELS = {"aa", "E", "ih", "oh", "ou"}


def _strip(name):
    return "".join(ch for ch in name if ch not in ":#~-0123456789/;")


def lookup(lang, name):
    """Viseme(s) of an espeak-ng phoneme name: a tuple of 1 or 2 visemes, or None if unknown."""
    table = LANGUAGE.get(lang, {})
    if name in table:
        return (table[name],)
    if name in DIPHTHONGS:
        return DIPHTHONGS[name]
    if name in COMMON:
        return (COMMON[name],)
    bare = _strip(name)
    if bare in table:
        return (table[bare],)
    if bare in DIPHTHONGS:
        return DIPHTHONGS[bare]
    if bare in COMMON:
        return (COMMON[bare],)
    if name.startswith("_"):
        return ("sil",)
    if len(bare) >= 2 and bare[0] in COMMON and COMMON.get(bare[0]) in _VOWELS and COMMON.get(bare[1]) in _VOWELS:
        return (COMMON[bare[0]], COMMON[bare[1]])
    if bare and bare[0] in COMMON:
        return (COMMON[bare[0]],)
    return None


def to_visemes(lang, phonemes, unknown):
    """phonemes: list of (name, start, end) seconds -> (phoneme segments, viseme segments).

    Modifier marks are merged into the previous phoneme; transparent phonemes take the next
    vowel's viseme; diphthongs are split in two halves. Adjacent equal visemes are merged.
    """
    merged = []
    for name, start, end in phonemes:
        if name in MODIFIERS and merged:
            merged[-1] = (merged[-1][0] + name, merged[-1][1], end)
        elif end > start:
            merged.append((name, start, end))
    vis = []
    for i, (name, start, end) in enumerate(merged):
        bare = name.rstrip(";',")
        if bare in TRANSPARENT and bare not in LANGUAGE.get(lang, {}):
            nxt = lookup(lang, merged[i + 1][0].rstrip(";',")) if i + 1 < len(merged) else None
            v = (nxt[0],) if nxt and nxt[0] in _VOWELS else ("kk",)
        else:
            v = lookup(lang, bare)
            if v is None:
                unknown[(lang, bare)] = unknown.get((lang, bare), 0) + 1
                v = ("E",)
        if len(v) == 1:
            vis.append([v[0], start, end])
        else:
            mid = 0.5 * (start + end)
            vis.append([v[0], start, mid])
            vis.append([v[1], mid, end])
    out = []
    for v, s, e in vis:
        if out and out[-1][0] == v:
            out[-1][2] = e
        else:
            out.append([v, s, e])
    phon = [{"p": n, "start": round(s, 4), "end": round(e, 4)} for n, s, e in merged]
    return phon, [{"v": v, "start": round(s, 4), "end": round(e, 4)} for v, s, e in out]
