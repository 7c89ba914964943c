"""The certificates kept in proofs/ verify, match their networks, and are reproducible."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import exactrelu_checker

PROOFS = Path(__file__).resolve().parents[1] / "proofs"


def _make_module():
    spec = importlib.util.spec_from_file_location("proofs_make", PROOFS / "make.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CASES = [name for name, _, _ in _make_module().cases()]


@pytest.mark.parametrize("name", CASES)
def test_stored_certificate_verifies_against_its_network(name):
    verdict = exactrelu_checker.check_file(PROOFS / f"{name}.cert.json", PROOFS / f"{name}.net.json")
    assert verdict.verified, verdict.reason


@pytest.mark.parametrize("name", CASES)
def test_regeneration_is_byte_identical(name):
    make = _make_module()
    net, domain = next((n, d) for c, n, d in make.cases() if c == name)
    net_text, cert_text = make.render(name, net, domain)
    assert (PROOFS / f"{name}.net.json").read_text(encoding="utf-8") == net_text
    assert (PROOFS / f"{name}.cert.json").read_text(encoding="utf-8") == cert_text
