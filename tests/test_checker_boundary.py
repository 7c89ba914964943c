"""The certified decision boundary (the certificate's optional key ``boundary``, claim 7).

Honest certificates verify: the built-in example (X + Y = 5/4 in region 1, X = 5/8 in region 3), a
3-class and a 5-class network (no-piece weights, one of them found by the LP), one-output networks,
ties and facet pieces (reported once: by the positive side, or by the side whose neighbour is a
tie).  Each kind of lie is refused: a dropped, invented, duplicated or misplaced piece, a witness
off its hyperplane or outside its region, swapped classes, a wrong whole-region class, missing or
invented ties, bad no-piece weights.  Certificates without the key are unchanged.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from example_nets import EXAMPLES, by_name, random_net

from exactrelu import EXAMPLE, Network, certify
from exactrelu.analysis.boundary import decision_boundary
from exactrelu.partition import partition
from exactrelu_checker import check_certificate, main

UNIT = [(0, 1), (0, 1)]
SQUARE = [(-1, 1), (-1, 1)]
# outputs f0 = relu(x - 1/2), f1 = relu(1/2 - x): f0 - f1 = x - 1/2 on both sides of the facet x = 1/2
FACET = Network.from_layers([([[1, 0], [-1, 0]], ["-1/2", "1/2"]), ([[1, 0], [0, 1]], [0, 0])])
# one output f = relu(1/2 - x): f = 0 on the facet x = 1/2, a tie (f = 0) on the region across
FACET_TIE = Network.from_layers([([[-1, 0]], ["1/2"]), ([[1]], [0])])


@pytest.fixture(scope="module")
def certs() -> dict:
    return {
        "example": certify(EXAMPLE, UNIT, boundary=True),
        "three": certify(random_net(0, 2, (4, 3), n_outputs=3), SQUARE, boundary=True),
        "five": certify(random_net(30, 2, (4, 3), n_outputs=5), SQUARE, boundary=True),
        "one": certify(random_net(101, 2, (5,), n_outputs=1), SQUARE, boundary=True),
        "facet": certify(FACET, UNIT, boundary=True),
        "facet_tie": certify(FACET_TIE, UNIT, boundary=True),
        "ties": certify(random_net(4, 2, (4, 3), n_outputs=4), SQUARE, boundary=True),
    }


def verdict(cert):
    return check_certificate(copy.deepcopy(cert))


def refused(cert, words: str = "claim 7") -> None:
    v = verdict(cert)
    assert not v.verified and words in v.reason, v.reason


def test_the_built_in_example(certs):
    cert = certs["example"]
    b = cert["boundary"]
    assert [(p["region"], p["classes"], p["hyperplane"]) for p in b["pieces"]] == [
        (1, [0, 1], ["5", "-4", "-4"]), (3, [0, 1], ["5", "-8", "0"])]  # X + Y = 5/4 and X = 5/8
    assert b["empty"] == [] and b["ties"] == [] and b["whole"] == [0, None, 0, None]
    v = verdict(cert)
    assert v.verified and v.boundary == 2, v.reason


@pytest.mark.parametrize("name", ["three", "five", "one", "facet", "facet_tie", "ties"])
def test_honest_certificates_verify(certs, name):
    v = verdict(certs[name])
    assert v.verified, v.reason


def test_the_cases_are_what_they_claim(certs):
    assert len(certs["three"]["network"]["layers"][-1]["bias"]) == 3 and certs["three"]["boundary"]["empty"]
    assert any(sum(w != "0" for w in e["weights"]) > 1 for e in certs["five"]["boundary"]["empty"])  # by the LP
    assert certs["one"]["boundary"]["pieces"][0]["classes"] == [0]
    assert certs["ties"]["boundary"]["ties"] and certs["facet_tie"]["boundary"]["ties"]


@pytest.mark.parametrize("example", [by_name(n) for n in ("duplicated", "zero_on_half", "concurrent3", "box_edges_off",
                                                          "one_input", "leaky", "coincident3d")], ids=str)
def test_degenerate_and_tied_networks_verify(example):
    cert = certify(example.net, example.box, boundary=True)
    v = check_certificate(cert)
    assert v.verified, v.reason


def test_pieces_match_the_analysis():
    p = partition(EXAMPLES[0].net, EXAMPLES[0].box)
    cert = certify(EXAMPLES[0].net, EXAMPLES[0].box, boundary=True)
    exact = {(q.region, q.classes) for q in decision_boundary(p.regions, p.adjacencies).pieces}
    assert {(q["region"], tuple(q["classes"])) for q in cert["boundary"]["pieces"]} == exact


def test_without_the_key_nothing_changes():
    plain = certify(EXAMPLE, UNIT)
    assert "boundary" not in plain and check_certificate(plain).boundary is None
    with_key = certify(EXAMPLE, UNIT, boundary=True)
    del with_key["boundary"]
    assert json.dumps(with_key) == json.dumps(plain)


def test_command_line_prints_the_boundary(certs, tmp_path, capsys):
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(certs["example"]))
    assert main([str(path)]) == 0
    assert "decision boundary: 2 pieces, complete" in capsys.readouterr().out


# -- lies -----------------------------------------------------------------------------------------
def test_dropped_piece(certs):
    for name in ("example", "three", "one", "facet", "facet_tie"):
        cert = copy.deepcopy(certs[name])
        cert["boundary"]["pieces"].pop(0)
        refused(cert, "missing piece")


def test_invented_piece(certs):
    cert = copy.deepcopy(certs["example"])  # region 0: P - Q = 1/4 everywhere, no boundary
    cert["boundary"]["pieces"].append({"region": 0, "classes": [0, 1], "hyperplane": ["1"] + ["0"] * 2,
                                       "point": ["1/2", "1/6"]})
    refused(cert)
    cert["boundary"]["pieces"][-1]["hyperplane"] = ["5", "-4", "-4"]  # region 1's line, through region 0
    refused(cert)


def test_witness_off_the_boundary(certs):
    cert = copy.deepcopy(certs["example"])
    cert["boundary"]["pieces"][1]["point"] = ["5/8", "3/2"]  # on X = 5/8, outside region 3
    refused(cert, "strictly inside")
    cert["boundary"]["pieces"][1]["point"] = ["3/4", "3/4"]  # in region 3, off X = 5/8
    refused(cert, "not on the hyperplane")
    cert = copy.deepcopy(certs["three"])
    piece = cert["boundary"]["pieces"][0]
    piece["hyperplane"] = [str(-int(a)) for a in piece["hyperplane"]]  # the wrong orientation
    refused(cert, "primitive row")


def test_swapped_classes(certs):
    for i, piece in enumerate(certs["three"]["boundary"]["pieces"]):
        for other in ([0, 1], [0, 2], [1, 2]):
            if other != piece["classes"]:
                cert = copy.deepcopy(certs["three"])
                cert["boundary"]["pieces"][i]["classes"] = other
                refused(cert)


def test_wrong_whole_region_class(certs):
    for name in ("example", "three", "one"):
        whole = certs[name]["boundary"]["whole"]
        for r, k in enumerate(whole):
            for wrong in ({None, 0, 1} - {k}):
                cert = copy.deepcopy(certs[name])
                cert["boundary"]["whole"][r] = wrong
                refused(cert, f"region {r}")


def test_duplicated_piece(certs):
    cert = copy.deepcopy(certs["example"])
    cert["boundary"]["pieces"].append(cert["boundary"]["pieces"][0])
    refused(cert, "repeats")


def test_facet_piece_is_counted_once(certs):
    cert = copy.deepcopy(certs["facet"])  # reported by region 1 (positive side); region 0 across
    piece = cert["boundary"]["pieces"][0]
    cert["boundary"]["pieces"].append(dict(piece, region=1 - piece["region"]))
    refused(cert, "region across reports it")
    cert["boundary"]["pieces"].pop(0)
    refused(cert)


def test_ties_are_exact(certs):
    cert = copy.deepcopy(certs["ties"])
    cert["boundary"]["ties"].pop()
    refused(cert, "ties")
    cert = copy.deepcopy(certs["example"])
    cert["boundary"]["ties"].append({"region": 0, "classes": [0, 1]})
    refused(cert, "ties")
    cert = copy.deepcopy(certs["facet_tie"])
    tie = cert["boundary"]["ties"][0]
    cert["boundary"]["pieces"].append({"region": tie["region"], "classes": [0], "hyperplane": ["1", "-2", "0"],
                                       "point": ["3/4", "1/2"]})
    refused(cert, "a tie")


def test_no_piece_proofs(certs):
    for name in ("three", "five"):
        cert = copy.deepcopy(certs[name])
        cert["boundary"]["empty"].clear()
        refused(cert, "missing piece")
    cert = copy.deepcopy(certs["three"])
    proof = cert["boundary"]["empty"][0]
    k, _ = proof["classes"]
    bad = ["0"] * len(proof["weights"])
    bad[k] = "1"
    refused(dict(cert, boundary=dict(cert["boundary"], empty=[dict(proof, weights=bad)])), "weights")
    cert["boundary"]["empty"].append(proof)
    refused(cert, "repeats")
    cert = copy.deepcopy(certs["example"])  # two classes: no competitor to prove anything with
    cert["boundary"]["empty"].append({"region": 1, "classes": [0, 1], "weights": ["0", "0"]})
    refused(cert, "competitors")


def test_a_proof_cannot_hide_a_piece(certs):
    cert = copy.deepcopy(certs["five"])
    for piece in cert["boundary"]["pieces"]:
        k, k2 = piece["classes"]
        for j in range(5):
            if j not in (k, k2):
                weights = ["0"] * 5
                weights[j] = "1"
                trial = copy.deepcopy(cert)
                trial["boundary"]["pieces"].remove(piece)
                trial["boundary"]["empty"].append({"region": piece["region"], "classes": [k, k2], "weights": weights})
                refused(trial)


def test_proofs_directory_is_untouched():
    for path in sorted((Path(__file__).resolve().parents[1] / "proofs").glob("*.cert.json")):
        assert "boundary" not in json.loads(path.read_text())
