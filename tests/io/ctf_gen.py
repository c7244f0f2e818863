"""Random CTF texts for the parser property tests: well-formed files, and damaged copies of them."""
import random
from typing import Dict, List, Tuple

# stream name -> (field in the file, dimension, sparse)
STREAMS: Dict[str, Tuple[str, int, bool]] = {"X": ("x", 3, False), "Lab": ("label", 2, False),
                                             "S": ("s", 50, True), "W": ("words_and_more", 7, True)}


def number(rng: random.Random) -> str:
    """A number in any of the forms CTF accepts."""
    kind = rng.randrange(8)
    sign = rng.choice(["", "", "-", "+"])
    digits = str(rng.randrange(10 ** rng.randrange(1, 10)))
    if kind == 0:
        return sign + digits
    if kind == 1:
        return sign + digits + "."
    if kind == 2:
        return "%s%s.%s" % (sign, digits, str(rng.randrange(10 ** rng.randrange(1, 12))).zfill(rng.randrange(1, 6)))
    if kind == 3:
        return "%s%s.%se%s%d" % (sign, digits[:3], rng.randrange(1000), rng.choice(["", "-", "+"]), rng.randrange(40))
    if kind == 4:
        return "%s%sE%d" % (sign, digits[:2], rng.randrange(-400, 400))
    if kind == 5:
        return repr(rng.uniform(-1e3, 1e3))                  # up to 17 significant digits
    if kind == 6:
        return repr(float("%.7g" % rng.gauss(0, 1e-3)))     # float32-like, often with an exponent
    return "%.5f" % rng.gauss(0, 10)


def well_formed(rng: random.Random, n_seq: int = 20) -> str:
    """A CTF text that follows the grammar (no row CNTK would reject or warn about)."""
    explicit = rng.random() < 0.8
    blank = lambda: rng.choice([" ", "\t", "  ", " \t"])
    newline = "\r\n" if rng.random() < 0.1 else "\n"
    lines: List[str] = []
    for s in range(n_seq):
        sid = rng.randrange(10 ** rng.randrange(1, 12)) * 10 + s % 10 if explicit else None
        n_rows = rng.randint(1, 5) if explicit else 1
        pending = {name for name in STREAMS}                  # every stream needs a sample per sequence
        for r in range(n_rows):
            parts = []
            names = [n for n in STREAMS if n in pending or rng.random() < 0.5] or [rng.choice(sorted(STREAMS))]
            if r == n_rows - 1:
                names = sorted(set(names) | pending)
            rng.shuffle(names)
            for name in names:
                field, dim, sparse = STREAMS[name]
                if sparse:
                    vals = ["%d:%s" % (rng.randrange(dim), number(rng)) for _ in range(rng.randrange(4))]
                else:
                    vals = [number(rng) for _ in range(dim)]
                parts.append("|" + field + "".join(blank() + v for v in vals) + rng.choice(["", " "]))
                pending.discard(name)
                if rng.random() < 0.2:
                    parts.append("|#" + rng.choice([" a comment", "c", " 1:2 x", ""]) + rng.choice(["", " "]))
                if rng.random() < 0.1:
                    parts.append("|undeclared 1 2 x:y ")
            head = ("%d" % sid if (r == 0 or rng.random() < 0.7) else "") if explicit else ""
            lines.append(head + (blank() if head or rng.random() < 0.3 else "") + "".join(parts))
    text = newline.join(lines)
    return text + (newline if rng.random() < 0.9 else "")


_NOISE = ["|", ":", " ", "\t", "\n", "\r", "#", ".", "-", "e", "0", "9", "x", "\x00", "\x0b", "\u00a0", "\u00e9",
          "1e999", "nan", "||", "|x", "|s", "99999999999999999999"]


def damaged(rng: random.Random, text: str, edits: int = 3) -> str:
    """``text`` with a few random insertions, deletions and replacements."""
    chars = list(text)
    for _ in range(edits):
        i = rng.randrange(len(chars) + 1)
        op = rng.randrange(3)
        if op == 0 or not chars:
            chars[i:i] = list(rng.choice(_NOISE))
        elif op == 1:
            del chars[i:i + rng.randint(1, 3)]
        else:
            chars[i:i + 1] = list(rng.choice(_NOISE))
    return "".join(chars)
