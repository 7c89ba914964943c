"""exactrelu_checker: the independent checker of exactrelu certificates (docs/certificate.md, v1).

Standard library only, nothing from ``exactrelu``; default deny: anything short of a full pass is
NOT VERIFIED.  What a VERIFIED verdict establishes is stated in :mod:`exactrelu_checker.statement`.

    python -m exactrelu_checker CERT.json [--network FILE]

>>> check_certificate(b'{"format": "exactrelu-certificate", "version": 2}')
Traceback (most recent call last):
...
exactrelu_checker.parse.MalformedCertificate: version: 2 is not supported (this checker reads version 1)
"""

from .check import Verdict, check_certificate, check_file, main
from .parse import MalformedCertificate, read_json
from .statement import CLAIMS

__all__ = ["Verdict", "MalformedCertificate", "check_certificate", "check_file", "main", "read_json", "CLAIMS"]
