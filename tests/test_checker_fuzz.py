"""Fuzzing the checker: structured mutations of real certificates, of their JSON and of their text.

Every input must end in a Verdict or a MalformedCertificate, never another exception and never a
hang (a per-example alarm).  A mutated certificate may verify only if it makes the same claims as
the original (network, domain, region patterns and maps, edges as pairs of patterns, summary; the
witnesses -- points, vertices, proofs, tree, multipliers -- may change to other valid ones), or if
its claims are the truth, by the enumerator rerun on its network and domain (a weight on a neuron
that is off everywhere can change without changing any map).  The originals are
proofs/*.cert.json.  The fast tier runs about a hundred examples; the slow tier (``-m slow``) about
5,500.  Crashes and hangs found are named regression tests at the end.
"""

from __future__ import annotations

import copy
import json
import signal
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exactrelu_checker import MalformedCertificate, Verdict, check_certificate
from exactrelu_checker.parse import load

PROOFS = sorted((Path(__file__).resolve().parents[1] / "proofs").glob("*.cert.json"))
TEXTS = {p.name: p.read_text() for p in PROOFS}
KEYS = ["format", "version", "network", "layers", "weight", "bias", "negative_slopes", "source", "file", "sha256",
        "reading", "domain", "A", "b", "box", "bounded", "tree", "k", "d", "s", "p", "m", "n", "r", "regions",
        "pattern", "point", "map", "vertices", "edges", "summary", "linear_pieces"]
TRIED = {"inputs": 0}


def claims(cert) -> tuple:
    """What a certificate claims, read by the checker's parser: equal claims, equal meaning."""
    c = load(cert)
    patterns = [r.pattern for r in c.regions]
    return (c.layers, c.slopes, c.A, c.b, c.box, c.summary,
            sorted((r.pattern, r.weight, r.bias) for r in c.regions),
            sorted(tuple(sorted((patterns[i], patterns[j]))) for i, j in c.edges))


ORIGINAL = {name: claims(text) for name, text in TEXTS.items()}


@contextmanager
def alarm(seconds: int):
    """A hang becomes a failure: SIGALRM interrupts the check after ``seconds``."""
    def ring(signum, frame):
        raise TimeoutError(f"the check took more than {seconds} s")
    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def outcome(name: str, data) -> str:
    """Check ``data`` (a mutation of proofs/NAME): 'verified', 'refused' or 'malformed'; anything else fails."""
    TRIED["inputs"] += 1
    with alarm(60):
        try:
            verdict = check_certificate(data)
        except MalformedCertificate as exc:
            assert str(exc) and "\n" not in str(exc)
            return "malformed"
    assert isinstance(verdict, Verdict) and verdict.operations is not None
    if not verdict.verified:
        assert verdict.reason and "\n" not in verdict.reason
        assert "could not be completed" not in verdict.reason, verdict.reason  # an unexpected exception
        return "refused"
    if claims(data) != ORIGINAL[name]:
        from test_checker import _claims_true

        cert = data if isinstance(data, dict) else json.loads(data)
        assert _claims_true(cert), "a certificate with false claims verified"
    return "verified"


# -- strategies -------------------------------------------------------------------------------------------------
RATIONALS = st.one_of(
    st.builds(lambda p, q: f"{p}/{q}", st.integers(-10 ** 6, 10 ** 6), st.integers(0, 10 ** 6)),
    st.integers(-10 ** 30, 10 ** 30).map(str),
    st.sampled_from(["0", "-0", "1/0", "0/0", "+1", " 1", "1.5", "1e3", "\u0661", "", "-", "/", "1/", "00",
                     "9" * 4300, "9" * 4301, "1/" + "7" * 4300, "-" + "3" * 4300 + "/" + "1" * 4300]))
INTEGERS = st.one_of(st.integers(-3, 12), st.integers(-2 ** 70, 2 ** 70), st.just(10 ** 4299))
LEAVES = st.one_of(st.none(), st.booleans(), INTEGERS, RATIONALS, st.text(max_size=12),
                   st.floats(allow_nan=True, allow_infinity=True))
JSON = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner, max_size=4),
                    max_leaves=12)


def _places(obj, path=()):
    """Every place in the JSON tree: (path, value)."""
    yield path, obj
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _places(value, path + (key,))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _places(value, path + (i,))


def _at(obj, path):
    for key in path:
        obj = obj[key]
    return obj


def mutate(cert: dict, op: str, pick: int, value, delta: int, nest: int) -> object:
    """One structured mutation at the place chosen by ``pick``."""
    places = list(_places(cert))
    path, old = places[pick % len(places)]
    if not path:
        return value if op == "replace" else cert
    parent, key = _at(cert, path[:-1]), path[-1]
    if op == "replace":
        parent[key] = value
    elif op == "delete":
        del parent[key]
    elif op == "insert" and isinstance(old, dict):
        old[value if isinstance(value, str) else KEYS[delta % len(KEYS)]] = copy.deepcopy(old)
    elif op == "insert" and isinstance(old, list):
        old.insert(delta % (len(old) + 1), value)
    elif op == "duplicate" and isinstance(old, list) and old:
        old.append(copy.deepcopy(old[delta % len(old)]))
    elif op == "swap" and isinstance(old, list) and len(old) > 1:
        i, j = delta % len(old), (delta // 7) % len(old)
        old[i], old[j] = old[j], old[i]
    elif op == "nest":
        for _ in range(nest):
            old = [old]
        parent[key] = old
    elif op == "same" and type(old) is int:  # a well-typed change, to reach the checks beyond the parser
        parent[key] = delta % 13
    elif op == "same" and isinstance(old, str):
        parent[key] = f"{delta}/{nest}" if delta % 3 else str(delta)
    elif op == "same" and isinstance(old, list):
        old.reverse()
    elif op == "shift" and type(old) is int:
        parent[key] = old + delta
    elif op == "shift" and isinstance(old, str):
        try:
            parent[key] = str(Fraction(old) + Fraction(delta, 1 + abs(delta) % 5))
        except (ValueError, ZeroDivisionError):
            parent[key] = old + "0"
    else:  # the operation does not apply here: replace instead
        parent[key] = value
    return cert


OPS = ["replace", "delete", "insert", "duplicate", "nest"] + ["swap"] * 2 + ["shift", "same"] * 5
MUTATION = st.tuples(st.sampled_from(OPS),
                     st.integers(0, 10 ** 9), JSON, st.integers(-40, 40), st.integers(1, 60))


def mutated_text(text: str, op: str, at: int, span: int, junk: str) -> str | bytes:
    """A text-level mutation: truncation, insertion, deletion, duplication, or bytes that are not UTF-8."""
    at %= len(text) + 1
    if op == "truncate":
        return text[:at]
    if op == "insert":
        return text[:at] + junk + text[at:]
    if op == "delete":
        return text[:at] + text[at + span:]
    if op == "duplicate":
        return text[:at + span] + text[at:]
    return text.encode()[:at] + b"\xff\xfe" + text.encode()[at:]


TEXT_MUTATION = st.tuples(st.sampled_from(["truncate", "insert", "delete", "duplicate", "bytes"]),
                          st.integers(0, 10 ** 9), st.integers(1, 40),
                          st.one_of(st.text(max_size=8), st.sampled_from(["[" * 2000, '"x": 1, ', ",", "}", "]", "-"])))


def run_structured(name: str, mutations: list) -> str:
    cert = json.loads(TEXTS[name])
    for mutation in mutations:
        cert = mutate(cert, *mutation) if isinstance(cert, dict) else cert
    try:
        text = json.dumps(cert)
    except ValueError:  # a float NaN is written, an int too long for str() is not: then check the dict
        return outcome(name, cert) if isinstance(cert, dict) else "skipped"
    return outcome(name, text)


FAST = settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
SLOW = settings(max_examples=2500, deadline=None, suppress_health_check=list(HealthCheck))


@FAST
@given(name=st.sampled_from(sorted(TEXTS)), mutations=st.lists(MUTATION, min_size=1, max_size=3))
def test_structured_mutations_fast(name, mutations):
    run_structured(name, mutations)


@FAST
@given(name=st.sampled_from(sorted(TEXTS)), mutation=TEXT_MUTATION)
def test_text_mutations_fast(name, mutation):
    outcome(name, mutated_text(TEXTS[name], *mutation))


@pytest.mark.slow
@SLOW
@given(name=st.sampled_from(sorted(TEXTS)), mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_structured_mutations_slow(name, mutations):
    run_structured(name, mutations)


@pytest.mark.slow
@SLOW
@given(name=st.sampled_from(sorted(TEXTS)), mutation=TEXT_MUTATION)
def test_text_mutations_slow(name, mutation):
    outcome(name, mutated_text(TEXTS[name], *mutation))


@pytest.mark.slow
@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=JSON)
def test_arbitrary_json_is_refused(value):
    TRIED["inputs"] += 1
    with alarm(60):
        try:
            text = json.dumps(value)
        except ValueError:
            return
        try:
            verdict = check_certificate(text.encode())
        except MalformedCertificate:
            return
        assert not verdict.verified


@pytest.fixture(autouse=True, scope="module")
def report_inputs_tried():
    yield
    print(f"\n{TRIED['inputs']} fuzzed inputs checked")


def test_unmodified_proofs_verify():
    for name, text in TEXTS.items():
        assert outcome(name, text) == "verified"
        assert outcome(name, json.loads(text)) == "verified"


# -- regressions: crashes and hangs the fuzzer found ----------------------------------------------------------
def test_weight_of_a_neuron_off_everywhere_may_change():
    """Found by the fuzzer (as a false alarm of a stricter oracle): on the triangle x, y >= 0,
    x + y <= 1 the neuron x + y - 1 is off everywhere, so its output weight can change and every
    claim stays true.  The certificate verifies, and its claims are the truth."""
    cert = json.loads(TEXTS["example_triangle.cert.json"])
    cert["network"]["layers"][1]["weight"][1][1] = "5/2"
    assert claims(json.dumps(cert)) != ORIGINAL["example_triangle.cert.json"]
    assert outcome("example_triangle.cert.json", json.dumps(cert)) == "verified"
    cert["network"]["layers"][1]["weight"][1][0] = "5/2"  # the weight of a neuron that is on somewhere
    assert outcome("example_triangle.cert.json", json.dumps(cert)) == "refused"
