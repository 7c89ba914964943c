"""Compact certificates (``exactrelu certify --compact``, issue 13 item 3): no region ``map``.

The checker recomputes every region's output map from its pattern and the embedded network, so a
compact certificate states nothing less.  Both forms verify; in the compact one every other claim is
still checked (tampering with a pattern, point, vertex, decision, edge or summary is refused), and a
map that is present must still be right, also beside regions without one.  The oracle is the
checker's verdict on the default certificate of the same run.
"""

from __future__ import annotations

import copy
import gzip
import json

import pytest
from example_nets import random_net

from exactrelu import EXAMPLE, Domain, certify
from exactrelu.certificate.producer import compact
from exactrelu.cli import main
from exactrelu_checker import check_certificate, check_file


@pytest.fixture(scope="module")
def pair() -> tuple[dict, dict]:
    cert = certify(random_net(11, 3, (5, 4)), Domain.box([(-1, 1)] * 3))
    return cert, compact(cert)


def test_compact_drops_only_the_maps_and_both_verify(pair):
    full, small = pair
    assert all("map" not in r for r in small["regions"]) and all("map" in r for r in full["regions"])
    assert [{k: v for k, v in r.items() if k != "map"} for r in full["regions"]] == small["regions"]
    assert {k: v for k, v in full.items() if k != "regions"} == {k: v for k, v in small.items() if k != "regions"}
    a, b = check_certificate(full), check_certificate(small)
    assert a.verified and b.verified, (a.reason, b.reason)
    assert (a.regions, a.edges, a.linear_pieces) == (b.regions, b.edges, b.linear_pieces)
    assert len(json.dumps(small)) < len(json.dumps(full))


def _flip_bit(c):
    c["regions"][0]["pattern"][0][0] ^= 1


def _move_point(c):
    c["regions"][0]["point"] = ["5"] * len(c["regions"][0]["point"])


def _drop_vertex(c):
    c["regions"][0]["vertices"].pop()


def _drop_edge(c):
    c["edges"].pop()
    c["summary"]["edges"] -= 1


def _flip_decision(c):
    node = next(n for n in c["tree"] if n.get("d") and n["d"][0][2] != "z")
    node["d"][0][1] ^= 1


def _wrong_pieces(c):
    c["summary"]["linear_pieces"] += 1


@pytest.mark.parametrize("tamper", [_flip_bit, _move_point, _drop_vertex, _drop_edge, _flip_decision, _wrong_pieces])
def test_a_tampered_compact_certificate_is_refused(pair, tamper):
    bad = copy.deepcopy(pair[1])
    tamper(bad)
    verdict = check_certificate(bad)
    assert not verdict.verified and verdict.reason


def test_maps_that_are_present_are_still_checked(pair):
    mixed = copy.deepcopy(pair[1])
    mixed["regions"][1]["map"] = copy.deepcopy(pair[0]["regions"][1]["map"])
    assert check_certificate(mixed).verified
    mixed["regions"][1]["map"]["bias"][0] = "12345/7"
    verdict = check_certificate(mixed)
    assert not verdict.verified and "region 1" in verdict.reason and "map" in verdict.reason


def test_compact_constraint_form_verifies_and_a_tamper_fails():
    small = compact(certify(random_net(12, 3, (4, 3)), Domain.box([(-1, 1)] * 3), engine="lp"))
    assert small["form"] == "constraints" and all("map" not in r for r in small["regions"])
    assert check_certificate(small).verified
    _flip_bit(small)
    assert not check_certificate(small).verified


def test_cli_compact_gzip_file_verifies(tmp_path):
    net = tmp_path / "net.json"
    net.write_text(json.dumps(random_net(13, 2, (6, 5)).to_json()))
    full, small = tmp_path / "full.json.gz", tmp_path / "small.json.gz"
    assert main(["certify", str(net), "--box=-1:1,-1:1", "-o", str(full)]) == 0
    assert main(["certify", str(net), "--box=-1:1,-1:1", "--compact", "-o", str(small)]) == 0
    assert json.loads(gzip.decompress(small.read_bytes())) == compact(json.loads(gzip.decompress(full.read_bytes())))
    assert check_file(full).verified and check_file(small).verified
    assert small.stat().st_size < full.stat().st_size


def test_the_example_compact():
    assert check_certificate(compact(certify(EXAMPLE))).verified
