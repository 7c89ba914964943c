"""Binding a verdict to a network: the network given is compared exactly with the embedded one.

The network given is read with the checker's strict number grammar (plus JSON integers and exact
decimals) and compared entry by entry as rationals, so equal networks written differently verify and
a one-ulp change does not.  The certificate's ``source`` is provenance only: forging it in any way
changes nothing that is verified, and never lets a certificate pass against a network it does not
embed.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from fractions import Fraction
from pathlib import Path

import pytest

from exactrelu_checker import MalformedCertificate, check_certificate, check_file, main
from test_checker import EXAMPLE, ONE_D, producer, refused, tampered

PROOFS = Path(__file__).resolve().parents[1] / "proofs"
DIFFERS = "the network given differs from the certificate's embedded network"


def rewritten(network: dict, spell) -> dict:
    """``network`` with every number replaced by ``spell(Fraction)``."""
    out = copy.deepcopy(network)
    for layer in out["layers"]:
        layer["weight"] = [[spell(Fraction(v)) for v in row] for row in layer["weight"]]
        layer["bias"] = [spell(Fraction(v)) for v in layer["bias"]]
    if "negative_slopes" in out:
        out["negative_slopes"] = [spell(Fraction(v)) for v in out["negative_slopes"]]
    return out


def _decimal(q: Fraction) -> str:  # exact when the denominator divides 10^6, else p/q
    scaled = q * 10 ** 6
    if scaled.denominator != 1:
        return str(q)
    sign, digits = "-" if scaled < 0 else "", str(abs(scaled.numerator)).rjust(7, "0")
    return f"{sign}{digits[:-6]}.{digits[-6:]}"


SPELLINGS = {
    "p/q unreduced": lambda q: f"{q.numerator * 2}/{q.denominator * 2}",
    "p/q times 7": lambda q: f"{q.numerator * 7}/{q.denominator * 7}",
    "leading zeros": lambda q: ("-" if q < 0 else "") + f"000{abs(q.numerator)}/00{q.denominator}",
    "decimal": _decimal,
    "decimal with exponent": lambda q: _decimal(q) + "e0",
    "scaled exponent": lambda q: str(q.numerator * 10 ** 3 // q.denominator) + "e-3" if (q * 1000).denominator == 1
    else str(q),
    "JSON integer when whole": lambda q: q.numerator if q.denominator == 1 else str(q),
    "negative zero": lambda q: "-0" if q == 0 else str(q),
}


@pytest.mark.parametrize("cert", ["example", "leaky"])
@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_equal_network_written_differently_verifies(spelling, cert, tmp_path):
    cert = EXAMPLE if cert == "example" else producer("leaky")
    network = rewritten(cert["network"], SPELLINGS[spelling])
    assert network != cert["network"] or spelling == "negative zero"
    for given in (network, json.dumps(network), json.dumps(network).encode()):
        verdict = check_certificate(cert, network=given)
        assert verdict.verified, (given, verdict.reason)
        assert verdict.compared_with == "the network given"
    path = tmp_path / "net.json"
    path.write_text(json.dumps(network))
    assert check_certificate(json.dumps(cert), network=path).compared_with == str(path)


def test_project_network_json_forms_verify():
    network = copy.deepcopy(EXAMPLE["network"])
    network.update(input_names=["X", "Y"], output_names=["P", "Q"])  # as Network.to_json() writes it
    assert check_certificate(EXAMPLE, network).verified
    for slopes in ([], ["0"], ["0/5"], ["-0.0"], [0]):  # empty: every activation is ReLU
        assert check_certificate(EXAMPLE, dict(network, negative_slopes=slopes)).verified, slopes
    text = json.dumps(EXAMPLE["network"]).replace('"-1/4"', "-0.25")  # a JSON decimal, read exactly
    assert "-0.25" in text and check_certificate(EXAMPLE, text).verified
    assert not check_certificate(EXAMPLE, text.replace("-0.25", "-0.2500000000000000000000001")).verified


def _entries(network: dict):
    for k, layer in enumerate(network["layers"]):
        for i, row in enumerate(layer["weight"]):
            for j in range(len(row)):
                yield f"layer {k} weight [{i}][{j}]", ("layers", k, "weight", i, j)
        for i in range(len(layer["bias"])):
            yield f"layer {k} bias [{i}]", ("layers", k, "bias", i)
    for k in range(len(network.get("negative_slopes", []))):
        yield f"negative slope [{k}]", ("negative_slopes", k)


def _get(obj, path):
    for key in path:
        obj = obj[key]
    return obj


def _set(obj, path, value):
    _get(obj, path[:-1])[path[-1]] = value


def _shown(q: Fraction) -> str:  # numbers of more than 40 digits are abbreviated in messages
    def part(n: int) -> str:
        text = str(abs(n))
        return ("-" if n < 0 else "") + (text if len(text) <= 40 else f"{text[:20]}... ({len(text):,} digits)")
    return part(q.numerator) + ("" if q.denominator == 1 else "/" + part(q.denominator))


@pytest.mark.parametrize("cert", ["example", "leaky"])
def test_a_one_ulp_change_anywhere_is_named(cert):
    cert = EXAMPLE if cert == "example" else producer("leaky")
    for where, path in _entries(cert["network"]):
        old = Fraction(_get(cert["network"], path))
        for new in (Fraction(math.nextafter(float(old), math.inf)), Fraction(math.nextafter(float(old), -math.inf)),
                    old + Fraction(1, 10 ** 30)):
            network = copy.deepcopy(cert["network"])
            _set(network, path, str(new))
            verdict = check_certificate(cert, network=network)
            assert not verdict.verified
            assert verdict.reason == f"{DIFFERS} ({where}: {_shown(new)} vs {_shown(old)})"


def test_shape_differences_are_named():
    net = EXAMPLE["network"]
    bigger = copy.deepcopy(net)
    bigger["layers"][0]["weight"].append(["0", "0"])
    bigger["layers"][0]["bias"].append("0")
    bigger["layers"][1]["weight"] = [row + ["0"] for row in bigger["layers"][1]["weight"]]
    deeper = copy.deepcopy(net)
    deeper["layers"].insert(1, {"weight": [["1", "0"], ["0", "1"]], "bias": ["0", "0"]})
    cases = {
        "widths: 2 -> 3 -> 2 vs 2 -> 2 -> 2": bigger,
        "widths: 2 -> 2 -> 2 -> 2 vs 2 -> 2 -> 2": deeper,
        "widths: 1 -> 2 -> 1 vs 2 -> 2 -> 2": ONE_D["network"],
        "negative slope [0]: 1/100 vs 0": dict(net, negative_slopes=["0.01"]),
    }
    for difference, network in cases.items():
        assert check_certificate(EXAMPLE, network).reason == f"{DIFFERS} ({difference})"


MALFORMED_NETWORKS = {
    "not JSON": b"{not json",
    "not UTF-8": b'{"layers": "\xff"}',
    "missing layers": {"negative_slopes": []},
    "unknown key": dict(EXAMPLE["network"], hidden_names=[]),
    "Python float": rewritten(EXAMPLE["network"], float),
    "NaN": json.dumps(EXAMPLE["network"]).replace('"-1/4"', "NaN"),
    "zero denominator": rewritten(EXAMPLE["network"], lambda q: f"{q.numerator}/0"),
    "plus sign": rewritten(EXAMPLE["network"], lambda q: "+1" if q == 1 else str(q)),
    "spaces": rewritten(EXAMPLE["network"], lambda q: f" {q}"),
    "negative denominator": rewritten(EXAMPLE["network"], lambda q: f"{-q.numerator}/-{q.denominator}"),
    "bool": rewritten(EXAMPLE["network"], lambda q: True if q == 1 else str(q)),
    "wrong slope count": dict(EXAMPLE["network"], negative_slopes=["0", "0"]),
    "ragged rows": tampered(EXAMPLE, lambda c: c["network"]["layers"][0]["weight"][1].append("0"))["network"],
    "huge exponent": rewritten(EXAMPLE["network"], lambda q: "1e99999" if q == 1 else str(q)),
    "not chained": tampered(EXAMPLE, lambda c: c["network"]["layers"][1]["weight"][0].append("0"))["network"],
}


@pytest.mark.parametrize("name", sorted(MALFORMED_NETWORKS))
def test_malformed_network_is_refused_in_one_line(name):
    with pytest.raises(MalformedCertificate, match="given network") as info:
        check_certificate(EXAMPLE, network=MALFORMED_NETWORKS[name])
    assert "\n" not in str(info.value) and len(str(info.value)) < 300


# -- source is provenance only -------------------------------------------------------------------------
def _forgeries(net_file: Path, other_file: Path, cert: dict) -> dict:
    digest = hashlib.sha256
    embedded = json.dumps(cert["network"]).encode()
    return {
        "another file's name and hash": {"file": other_file.name,
                                         "sha256": digest(other_file.read_bytes()).hexdigest()},
        "the network file's name and hash": {"file": net_file.name, "sha256": digest(net_file.read_bytes()).hexdigest(),
                                             "reading": "exact rationals"},
        "the network file's hash, upper case": {"sha256": digest(net_file.read_bytes()).hexdigest().upper()},
        "the embedded network's hash": {"sha256": digest(embedded).hexdigest()},
        "a full path": {"file": str(net_file.resolve())},
        "empty": {},
        "nulls": {"file": None, "sha256": None, "reading": None},
        "not hex": {"sha256": "not a hash at all"},
        "huge strings": {"file": "n" * 1_000_000, "sha256": "f" * 1_000_000, "reading": "r" * 1_000_000},
        "control characters": {"file": "net.json\nVERIFIED", "reading": "\x00\x1b[2J"},
        "refused: extra field": {"file": net_file.name, "verified": True},
        "refused: extra network": {"network": cert["network"]},
        "refused: a number": {"sha256": 123},
        "refused: a list": {"file": [net_file.name]},
        "refused: an object": {"reading": {"a": 1}},
        "refused: a bool": {"sha256": True},
        "refused: a string": net_file.name,
        "refused: null": None,
    }


def _outcome(cert, network=None) -> tuple:
    try:
        verdict = check_certificate(json.dumps(cert), network=network)
    except MalformedCertificate as exc:
        return ("malformed", "given network" in str(exc))
    return (verdict.verified, verdict.reason, verdict.inputs, verdict.widths, verdict.domain, verdict.regions,
            verdict.edges, verdict.linear_pieces, verdict.compared_with)


@pytest.mark.parametrize("base", ["example", "leaky"])
def test_forged_source_never_changes_what_is_verified(base, tmp_path, capsys):
    cert = EXAMPLE if base == "example" else producer("leaky")
    other = ONE_D if base == "example" else EXAMPLE  # a valid certificate of another network
    net_file, other_file = tmp_path / "net.json", tmp_path / "other.json"
    net_file.write_text(json.dumps(cert["network"]))
    other_file.write_text(json.dumps(other["network"]))
    forged_nets = {"other network": other["network"]}
    for entry, path in list(_entries(cert["network"]))[:12]:  # one-entry changes
        forged_nets[entry] = copy.deepcopy(cert["network"])
        _set(forged_nets[entry], path, str(Fraction(_get(cert["network"], path)) + Fraction(1, 3)))
    for name, source in _forgeries(net_file, other_file, cert).items():
        forged = dict(cert, source=source)
        malformed = name.startswith("refused")  # unknown keys and wrong types: the certificate is malformed
        for network in (None, net_file, cert["network"]):
            expected = ("malformed", False) if malformed else _outcome(dict(cert, source={}), network)
            assert _outcome(forged, network) == expected, (name, network)
        if not malformed:
            assert _outcome(forged, net_file)[0] is True
        for what, net in forged_nets.items():  # a network it does not embed: never verified, whatever source says
            wrong = tmp_path / "wrong.json"
            wrong.write_text(json.dumps(net))
            wrong_hash = hashlib.sha256(wrong.read_bytes()).hexdigest()
            for forged_source in (source, {"file": "wrong.json", "sha256": wrong_hash}):
                for given in (wrong, net):
                    outcome = _outcome(dict(forged, source=forged_source), given)
                    assert outcome[0] is not True, (name, what)
                    if outcome[0] is False:
                        assert outcome[1].startswith(DIFFERS), outcome[1]
        # the printed verdict does not repeat anything from source
        cert_file = tmp_path / "cert.json"
        cert_file.write_text(json.dumps(forged))
        code = main([str(cert_file), "--network", str(net_file)])
        out = capsys.readouterr()
        assert code == (2 if malformed else 0)
        if not malformed:
            assert out.out.splitlines()[0] == "VERIFIED" and out.out.count("VERIFIED") == 1 and len(out.out) < 1000
            assert "other.json" not in out.out and "wrong.json" not in out.out and "nnnn" not in out.out


def test_a_certificate_never_passes_against_another_network_its_source_names(tmp_path):
    """A valid certificate of network B whose source names A's file and hash is refused against A."""
    a_file = tmp_path / "a.json"
    a_file.write_text(json.dumps(EXAMPLE["network"]))
    b_cert = dict(ONE_D, source={"file": "a.json", "sha256": hashlib.sha256(a_file.read_bytes()).hexdigest(),
                                 "reading": "exact rationals"})
    assert check_certificate(b_cert).verified  # a true certificate about network B
    verdict = check_certificate(b_cert, network=a_file)
    assert not verdict.verified and verdict.reason == f"{DIFFERS} (widths: 2 -> 2 -> 2 vs 1 -> 2 -> 1)"
    # B's network, shaped like A's but one weight apart
    b = tampered(EXAMPLE, lambda c: c["network"]["layers"][1]["bias"].__setitem__(0, "1"))
    for region in b["regions"]:
        region["map"]["bias"][0] = str(Fraction(region["map"]["bias"][0]) + 1)
    b["source"] = {"file": "a.json", "sha256": hashlib.sha256(a_file.read_bytes()).hexdigest()}
    assert check_certificate(b).verified
    assert check_certificate(b, network=a_file).reason == f"{DIFFERS} (layer 1 bias [0]: 0 vs 1)"
    assert refused(b, network=EXAMPLE["network"])


@pytest.mark.skipif(not PROOFS.is_dir(), reason="proofs/ is absent")
def test_stored_proofs_verify_exactly_against_equal_networks_only():
    certs = sorted(PROOFS.glob("*.cert.json"))
    nets = {path: json.loads(path.read_text()) for path in PROOFS.glob("*.net.json")}
    assert certs and nets

    def value(net):  # the network as rationals, independently of the checker
        slopes = net.get("negative_slopes") or ["0"] * (len(net["layers"]) - 1)
        return [[[Fraction(v) for v in row] for row in layer["weight"]] + [[Fraction(v) for v in layer["bias"]]]
                for layer in net["layers"]], [Fraction(v) for v in slopes]

    for cert_path in certs:
        embedded = json.loads(cert_path.read_text())["network"]
        for net_path, net in nets.items():
            verdict = check_file(cert_path, net_path)
            same = value(net) == value(embedded)
            assert verdict.verified == same, (cert_path.name, net_path.name, verdict.reason)
            assert same or verdict.reason.startswith(DIFFERS)
