"""The verdict says what it is about: network widths and activation, domain, counts, and whether a
network was compared; ``main`` prints VERIFIED first, then that summary."""

from __future__ import annotations

import copy
import json
from fractions import Fraction

import pytest

from exactrelu_checker import check_certificate, main
from test_checker import EXAMPLE, ONE_D, _box_domain, _drop_edge, producer, tampered


def test_verdict_facts_of_the_hand_written_certificates():
    v = check_certificate(EXAMPLE)
    assert (v.verified, v.inputs, v.widths, v.slopes, v.domain) == (True, 2, (2, 2), (0,), "box [0, 1] x [0, 1]")
    assert (v.regions, v.edges, v.linear_pieces, v.compared_with) == (4, 4, 4, None)
    v = check_certificate(ONE_D, network=ONE_D["network"])
    assert (v.inputs, v.widths, v.domain, v.regions, v.edges, v.linear_pieces) == (1, (2, 1), "box [-1, 2]", 3, 2, 3)
    assert v.compared_with == "the network given"


def test_polytope_and_leaky_facts():
    polytope = copy.deepcopy(EXAMPLE)
    del polytope["domain"]["box"]
    v = check_certificate(polytope)
    assert v.verified and v.domain == "polytope with 4 constraints in 2 dimensions"
    cert = producer("builtin_triangle")
    v = check_certificate(cert)
    assert v.verified and v.domain == f"polytope with {len(cert['domain']['A'])} constraints in 2 dimensions"
    v = check_certificate(producer("leaky"))
    assert v.verified and v.slopes == (Fraction(1, 10),) * 2 and v.widths[-1] == 1 and len(v.widths) == 3


def test_refused_verdicts_keep_the_shape_but_not_the_counts():
    v = check_certificate(tampered(EXAMPLE, _drop_edge))
    assert not v.verified and v.reason.startswith("claim 4")
    assert (v.inputs, v.widths, v.domain) == (2, (2, 2), "box [0, 1] x [0, 1]")
    assert (v.regions, v.edges, v.linear_pieces) == (None, None, None)  # counts are stated only once verified


def test_wide_boxes_and_huge_bounds_are_abbreviated():
    cert = copy.deepcopy(EXAMPLE)
    big = "9" * 50
    cert["domain"]["box"][0] = ["-" + big, "1/3"]
    assert check_certificate(cert).domain == "box [-99999999999999999999... (50 digits), 1/3] x [0, 1]"
    wide = {"format": "exactrelu-certificate", "version": 1,  # parses; not a full certificate of its claims
            "network": {"layers": [{"weight": [["1"] * 8], "bias": ["0"]}]}, "source": {},
            "domain": _box_domain([(0, i + 1) for i in range(8)]), "bounded": [["0"] * 16] * 16,
            "tree": [{"k": 0, "r": 0}],
            "regions": [{"pattern": [], "point": ["0"] * 8, "map": {"weight": [["1"] * 8], "bias": ["0"]},
                         "vertices": [[0] * 8]}],
            "edges": [], "summary": {"regions": 1, "edges": 0, "linear_pieces": 1}}
    v = check_certificate(wide)
    assert not v.verified
    assert v.domain == "box [0, 1] x [0, 2] x [0, 3] x ... x [0, 8] (8 dimensions)"


def test_main_prints_verified_then_what_it_is_about(tmp_path, capsys):
    cert, net = tmp_path / "cert.json", tmp_path / "NET.json"
    cert.write_text(json.dumps(EXAMPLE))
    net.write_text(json.dumps(EXAMPLE["network"]))
    assert main([str(cert)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "VERIFIED",
        "widths: 2 -> 2 -> 2 (inputs -> hidden layers -> outputs; ReLU)",
        "domain: box [0, 1] x [0, 1]",
        "regions: 4, edges: 4, linear pieces: 4",
        "network: the certificate's embedded network (no --network given)",
    ]
    assert main([str(cert), "--network", str(net)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"network: the certificate's embedded network (compared exactly with {net})")
    leaky = tmp_path / "leaky.json"
    leaky.write_text(json.dumps(producer("leaky")))
    assert main([str(leaky)]) == 0
    assert "; LeakyReLU, negative slopes 1/10, 1/10)" in capsys.readouterr().out.splitlines()[1]


@pytest.mark.parametrize("network", [None, "other"])
def test_not_verified_stays_one_line(tmp_path, capsys, network):
    cert, net = tmp_path / "cert.json", tmp_path / "net.json"
    cert.write_text(json.dumps(EXAMPLE if network else tampered(EXAMPLE, _drop_edge)))
    net.write_text(json.dumps(ONE_D["network"]))
    assert main([str(cert)] + (["--network", str(net)] if network else [])) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("NOT VERIFIED: ")
    if network:
        assert out == ("NOT VERIFIED: the network given differs from the certificate's embedded network "
                       "(widths: 1 -> 2 -> 1 vs 2 -> 2 -> 2)\n")
