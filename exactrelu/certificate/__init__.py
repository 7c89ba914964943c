"""Certificates: the typed model with its JSON (``model``), the proofs of sign decisions
(``farkas``) and the producer driven through the engines' recorder (``producer``).  The checker
that verifies them is the separate package ``exactrelu_checker``."""
