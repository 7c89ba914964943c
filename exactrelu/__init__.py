"""exactrelu: exact, certified piecewise-linear geometry of ReLU networks.

>>> from exactrelu import partition, Domain, EXAMPLE
>>> p = partition(EXAMPLE, Domain.box([(0, 1), (0, 1)]))
>>> sorted(r.pattern for r in p.regions)
[((0, 0),), ((0, 1),), ((1, 0),), ((1, 1),)]
"""

from .errors import (
    EmptyDomain,
    ExactReluError,
    InvalidArgument,
    InvalidDomain,
    InvalidNetwork,
    InvalidNumber,
    LowerDimensionalDomain,
    UnboundedDomain,
    UnsupportedModel,
)
from .example import EXAMPLE
from .geometry.domain import Domain, parse_box, read_polytope
from .loaders import load
from .network import Layer, Network
from .partition import Partition, certify, partition
from .region import Adjacency, Facet, Region

__all__ = [
    "Adjacency",
    "Domain",
    "EXAMPLE",
    "EmptyDomain",
    "ExactReluError",
    "Facet",
    "InvalidArgument",
    "InvalidDomain",
    "InvalidNetwork",
    "InvalidNumber",
    "Layer",
    "LowerDimensionalDomain",
    "Network",
    "Partition",
    "Region",
    "UnboundedDomain",
    "UnsupportedModel",
    "certify",
    "load",
    "parse_box",
    "partition",
    "read_polytope",
]
__version__ = "0.1.0"
