"""One exception tree for the whole package.

Every error a user can cause derives from :class:`ExactReluError`; argument errors also derive
from the matching built-in so ``except ValueError`` keeps working.  The command line turns any
:class:`ExactReluError` into one line on stderr and exit code 2.
"""

__all__ = [
    "ExactReluError",
    "kind_of",
    "counted",
    "InvalidNumber",
    "InvalidNetwork",
    "InvalidDomain",
    "EmptyDomain",
    "UnboundedDomain",
    "LowerDimensionalDomain",
    "UnsupportedModel",
    "InvalidArgument",
    "EmptyInterior",
    "InternalError",
    "ContinuityError",
    "CertificateError",
    "Interrupted",
]


class ExactReluError(Exception):
    """Base of every error raised by exactrelu."""


class InvalidNumber(ExactReluError, ValueError):
    """A value that is not an exact finite rational (NaN, infinity, malformed text)."""


class InvalidNetwork(ExactReluError, ValueError):
    """A network whose layers are malformed: wrong shapes, empty layers, bad values, bad file."""


class InvalidDomain(ExactReluError, ValueError):
    """A domain specification that cannot be read."""


class EmptyDomain(InvalidDomain):
    """The domain polytope has no points."""


class UnboundedDomain(InvalidDomain):
    """The domain polytope is not bounded."""


class LowerDimensionalDomain(InvalidDomain):
    """The domain polytope has empty interior."""


class InvalidArgument(ExactReluError, ValueError):
    """An option outside its allowed values (names the option, the value and what is allowed)."""


class UnsupportedModel(ExactReluError, ValueError):
    """A model file or module uses an operator or layer exactrelu cannot represent exactly."""


class EmptyInterior(ExactReluError, ValueError):
    """A constraint set given to an exact geometric routine has no interior point."""


class Interrupted(ExactReluError):
    """The run was interrupted (Ctrl-C) before a result that needs the whole partition existed,
    such as a certificate.  (Runs whose partial results are useful keep them instead.)"""


class InternalError(ExactReluError, RuntimeError):
    """A result exactrelu must always find was not found: a bug in exactrelu, never in the input.

    The command line reports it on one line as an internal error, asking for a report."""


class ContinuityError(InternalError):
    """The maps of two adjacent regions do not agree on their shared facet."""


class CertificateError(InternalError):
    """The certificate producer did not find a proof it should always find."""


def kind_of(value: object) -> str:
    """The type of ``value`` with its article, for messages: ``kind_of(3)`` is ``"an int"``."""
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def counted(n: int, noun: str) -> str:
    """``n`` and the noun, plural unless ``n`` is 1, for messages: ``counted(1, "input")`` is ``"1 input"``."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
