"""Strict reading: ASCII digits only, the version is the integer 1, huge numbers are abbreviated in
messages, and the tree-node limit is the spec's R (L + 1)."""

from __future__ import annotations

import copy
import json

import pytest

from exactrelu_checker import MalformedCertificate, check_certificate
from test_checker import EXAMPLE, ONE_D, tampered

# Each of these is a decimal digit one to Python's str.isdigit() and int(): int("\uff11") == 1.
ONES = {"full-width": "\uff11", "Arabic-Indic": "\u0661", "Devanagari": "\u0967", "math bold": "\U0001d7cf"}
# Digit-like characters str.isdigit() accepts but int() rejects.
DIGIT_LIKE = {"superscript two": "\u00b2", "circled one": "\u2460", "subscript one": "\u2081"}

# Places holding the string "1" in EXAMPLE, by the name the refusal must give.
PLACES = {
    "network.layers[0].weight[0][1]": ("network", "layers", 0, "weight", 0, 1),
    "network.layers[0].bias[1]": None,  # "-1": the sign is kept
    "network.layers[1].weight[0][1]": ("network", "layers", 1, "weight", 0, 1),
    "domain.A[1][0]": ("domain", "A", 1, 0),
    "domain.b[1]": ("domain", "b", 1),
    "domain.box[0][1]": ("domain", "box", 0, 1),
    "bounded[0][1]": ("bounded", 0, 1),
    "regions[0].point[1]": None,  # "1/6": the denominator
    "regions[1].map.weight[0][0]": ("regions", 1, "map", "weight", 0, 0),
}


def _with_char(cert: dict, place: str, char: str) -> dict:
    cert = copy.deepcopy(cert)
    path = PLACES[place]
    if place == "network.layers[0].bias[1]":
        cert["network"]["layers"][0]["bias"][1] = "-" + char
    elif place == "regions[0].point[1]":
        cert["regions"][0]["point"][1] = char + "/6"
    else:
        obj = cert
        for key in path[:-1]:
            obj = obj[key]
        assert obj[path[-1]] == "1", place
        obj[path[-1]] = char
    return cert


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("kind", sorted(ONES))
def test_non_ascii_digits_are_refused_naming_the_field(kind, place):
    assert check_certificate(_with_char(EXAMPLE, place, "1")).verified  # the ASCII spelling is true
    char = ONES[kind]
    for text in (char,) if PLACES[place] is None else (char, "1" + char, char + "/2"):
        with pytest.raises(MalformedCertificate) as info:
            check_certificate(_with_char(EXAMPLE, place, text))
        message = str(info.value)
        assert message.startswith(place + ": ") and "non-ASCII digit" in message and f"U+{ord(char):04X}" in message
        assert "\n" not in message


@pytest.mark.parametrize("kind", sorted(ONES) + sorted(DIGIT_LIKE))
def test_non_ascii_digits_are_refused_in_the_network_given(kind):
    char = {**ONES, **DIGIT_LIKE}[kind]
    for text in (char, "0." + char, char + "e0", "1/" + char):
        network = tampered(EXAMPLE, lambda c: c["network"]["layers"][1]["weight"][0].__setitem__(1, text))["network"]
        with pytest.raises(MalformedCertificate, match=r"^given network\.layers\[1\]\.weight\[0\]\[1\]: .*non-ASCII"):
            check_certificate(EXAMPLE, network=network)
    text = json.dumps(EXAMPLE["network"], ensure_ascii=False).replace('"-1/4"', "-0." + char)  # a JSON number
    with pytest.raises(MalformedCertificate, match="^given network: not valid JSON"):
        check_certificate(EXAMPLE, network=text)


@pytest.mark.parametrize("kind", sorted(DIGIT_LIKE))
def test_digit_like_characters_int_rejects_name_the_field(kind):
    char = DIGIT_LIKE[kind]
    for place in ("domain.b[1]", "regions[0].point[1]", "network.layers[0].weight[0][1]"):
        with pytest.raises(MalformedCertificate) as info:
            check_certificate(_with_char(EXAMPLE, place, char))
        assert str(info.value).startswith(place + ": "), str(info.value)
        assert "out of range" not in str(info.value)


def test_json_integers_are_ascii():
    text = json.dumps(EXAMPLE, ensure_ascii=False)
    for char in (*ONES.values(), *DIGIT_LIKE.values()):
        bad = text.replace('"edges": [[0, 1]', f'"edges": [[0, {char}]', 1)
        assert bad != text
        with pytest.raises(MalformedCertificate, match="^certificate: not valid JSON"):
            check_certificate(bad)


@pytest.mark.parametrize("version, message", [
    ("1", "version: must be the integer 1, got a string '1'"),
    (True, "version: must be the integer 1, got a bool"),
    (1.0, "version: must be the integer 1, got a float"),
    (None, "version: must be the integer 1, got null"),
    ([1], "version: must be the integer 1, got a list"),
    ("x" * 10_000, "version: must be the integer 1, got a string 'xxxxxxxxxxxxxxxxxxxx... (10,000 characters)'"),
    (2, "version: 2 is not supported (this checker reads version 1)"),
    (0, "version: 0 is not supported (this checker reads version 1)"),
    (10 ** 3999, "version: 10000000000000000000... (4,000 digits) is not supported (this checker reads version 1)"),
], ids=["str", "bool", "float", "null", "list", "long str", "2", "0", "huge"])
def test_version_must_be_the_integer_1(version, message):
    with pytest.raises(MalformedCertificate) as info:
        check_certificate(dict(EXAMPLE, version=version))
    assert str(info.value) == message
    assert check_certificate(dict(EXAMPLE, version=1)).verified


HUGE = 10 ** 3999  # 4,000 digits: within Python's conversion limit, far out of any range


@pytest.mark.parametrize("edit, start", [
    (lambda c: c["edges"].__setitem__(0, [0, HUGE]), "edges[0][1]: 10000000000000000000... (4,000 digits) is out of"),
    (lambda c: c["tree"][3].__setitem__("r", HUGE), "tree[3].r: 10000000000000000000... (4,000 digits) is out of"),
    (lambda c: c["tree"][0].__setitem__("s", -HUGE), "tree[0].s: -10000000000000000000... (4,000 digits) is out of"),
    (lambda c: c["regions"][0]["pattern"][0].__setitem__(0, HUGE), "regions[0].pattern[0][0]: 1000000000000000"),
    (lambda c: c["summary"].__setitem__("regions", -HUGE), "summary.regions: -10000000000000000000... (4,000 digits)"),
    (lambda c: c["tree"][2].__setitem__("d", [[HUGE, 0, "b"]]), "tree[2].d[0]: 10000000000000000000... (4,000 digits)"),
], ids=["edge", "leaf", "split", "bit", "summary", "decision"])
def test_huge_numbers_are_abbreviated_in_messages(edit, start):
    text = json.dumps(tampered(EXAMPLE, edit))  # the JSON text holds a 4,000-digit integer
    with pytest.raises(MalformedCertificate) as info:
        check_certificate(text)
    assert str(info.value).startswith(start) and len(str(info.value)) < 150, str(info.value)[:300]


def test_huge_numbers_are_abbreviated_in_verdicts():
    verdict = check_certificate(json.dumps(tampered(EXAMPLE, lambda c: c["summary"].__setitem__("regions", HUGE))))
    assert not verdict.verified and len(verdict.reason) < 200
    assert "says 10000000000000000000... (4,000 digits) regions" in verdict.reason
    network = tampered(EXAMPLE, lambda c: c["network"]["layers"][1]["bias"].__setitem__(0, "1" * 4000 + "/3"))
    verdict = check_certificate(EXAMPLE, network=network["network"])
    assert verdict.reason.endswith("(layer 1 bias [0]: 11111111111111111111... (4,000 digits)/3 vs 0)")
    # a Python int beyond the int-to-str limit, in a dict
    with pytest.raises(MalformedCertificate) as info:
        check_certificate(tampered(EXAMPLE, lambda c: c["edges"].__setitem__(0, [0, 10 ** 6000])))
    assert str(info.value) == "edges[0][1]: an integer of about 6,000 digits is out of range [0, 3]"
    with pytest.raises(MalformedCertificate, match="^certificate: a number is out of range") as info:
        check_certificate(json.dumps(EXAMPLE).replace("[[0, 1]", "[[0, " + "9" * 5000, 1))
    assert len(str(info.value)) < 150


def test_long_keys_are_abbreviated():
    with pytest.raises(MalformedCertificate) as info:
        check_certificate(dict(EXAMPLE, **{"k" * 100_000: 1}))
    assert len(str(info.value)) < 150 and "(100,000 characters)" in str(info.value)


NO_HIDDEN = {
    "format": "exactrelu-certificate", "version": 1,
    "network": {"layers": [{"weight": [["2"]], "bias": ["-1"]}]},
    "source": {},
    "domain": {"A": [["-1"], ["1"]], "b": ["0", "1"], "box": [["0", "1"]]},
    "bounded": [["0", "1"], ["1", "0"]],
    "tree": [{"k": 0, "r": 0}],
    "regions": [{"pattern": [], "point": ["1/2"], "map": {"weight": [["2"]], "bias": ["-1"]}, "vertices": [[0], [1]]}],
    "edges": [],
    "summary": {"regions": 1, "edges": 0, "linear_pieces": 1},
}


@pytest.mark.parametrize("cert, limit", [(EXAMPLE, 4 * 2), (ONE_D, 3 * 2), (NO_HIDDEN, 1 * 1)],
                         ids=["example", "one_d", "no_hidden"])
def test_tree_node_limit_is_R_times_L_plus_1(cert, limit):
    """R regions and L hidden layers: at most R (L + 1) nodes, as the spec says (the output layer is not
    a layer of the tree).  Unreachable padding nodes within the limit are refused by the check, beyond
    it by the parser."""
    assert check_certificate(cert).verified and len(cert["tree"]) <= limit
    padded = copy.deepcopy(cert)
    padded["tree"] += [{"k": 0, "r": 0}] * (limit - len(cert["tree"]))
    if len(padded["tree"]) > len(cert["tree"]):
        verdict = check_certificate(padded)
        assert not verdict.verified and "child of no node" in verdict.reason
    padded["tree"].append({"k": 0, "r": 0})
    with pytest.raises(MalformedCertificate) as info:
        check_certificate(padded)
    expected = f"between 1 and {limit}" if limit > 1 else "1"
    assert str(info.value) == f"tree: has {limit + 1} entries, expected {expected}"
