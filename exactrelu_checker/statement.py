"""What a VERIFIED verdict establishes: the statement, kept apart from the code that checks it.

The claims are those of docs/certificate.md (format v1), last section; the checker's refusal
reasons name the claim that failed.  Definitions the claims rely on (the network's semantics, the
canonical activation pattern) are spelled out here once, so a reader can judge the statement
without reading the checking code.
"""

from __future__ import annotations

__all__ = ["FORMAT", "VERSION", "DEFINITIONS", "CLAIMS", "FORMS", "claim"]

FORMAT = "exactrelu-certificate"
VERSION = 1

DEFINITIONS = (
    "The network is the exact rational function its embedded weights spell: pre_0 = W_0 x + b_0, "
    "h_k = pre_k where pre_k > 0 and slope_k * pre_k otherwise, pre_(k+1) = W_(k+1) h_k + b_(k+1), "
    "output = W_L h_(L-1) + b_L.",
    "The domain is {x : A x <= b} with the certificate's A and b.",
    "The region of an activation pattern s is the set of domain points where each hidden "
    "pre-activation, computed under s, is >= 0 where s says 1 and <= 0 where s says 0.",
    "A pattern is canonical for a region when a neuron's bit is 1 exactly if its pre-activation is "
    "> 0 on the region's interior (a pre-activation identically zero there has bit 0).",
    "Two regions are adjacent when their closures meet in a (d-1)-dimensional set.",
    "A linear piece is a maximal set of regions, connected through edges, with one identical map.",
    "The network checked is the one embedded in the certificate; given a network, the checker also "
    "requires it to equal the embedded one exactly (same shape, every weight, bias and slope equal as "
    "a rational). The certificate's source (file name, sha256, reading) is the producer's statement "
    "of provenance only: it is never checked and never makes a verdict about any file.",
)

# How claims 3 and 4 are established; the claims themselves are the same in both forms.
FORMS = {
    "vertices": "Each region lists its vertices (proved complete); its facets, their coverage by the listed "
                "neighbours and the boundary claims are derived from them.",
    "constraints": "Each region lists its facets, each with a point of its hyperplane strictly inside every other "
                   "constraint, and proves every other constraint redundant by Farkas multipliers of the facets; "
                   "each edge proves its two facets equal, and every facet not on the domain's boundary must be "
                   "crossed by a listed edge. Any input dimension; no decision boundary (claim 7).",
}

CLAIMS = {
    1: ("domain", "The domain {x : A x <= b} is bounded (the multipliers) and full-dimensional "
                  "(any region point)."),
    2: ("coverage", "The leaves of the tree cover the domain (every split keeps both sides, every "
                    "decision is proved on its whole cell), so the regions cover the domain."),
    3: ("regions", "Every region is full-dimensional with the stated canonical pattern and exact "
                   "output map; patterns are distinct, so interiors are disjoint."),
    4: ("adjacency", "Every listed edge is a real shared (d-1)-dimensional facet and no adjacency is "
                     "missing."),
    5: ("continuity", "The outputs of adjacent regions agree on their shared facet."),
    6: ("summary", "The summary counts (regions, edges, linear pieces: facet-connected components "
                   "with equal maps) are right."),
    7: ("boundary", "Only when the certificate has a boundary: every listed piece is a (d-1)-dimensional "
                    "part of its region's decision boundary {x in R : f_k = f_l >= f_j for every j} (one "
                    "output: f = 0), on the listed hyperplane; every region and class pair without a "
                    "listed piece has none (a tie, the one sign of f_k - f_l at the region's vertices, a "
                    "face that is no facet, a facet piece reported by the region across, or weights "
                    "proving the competitors beat the pair there), so the pieces are the whole boundary, "
                    "each facet piece once; the ties are exactly the pairs with f_k = f_l on the whole "
                    "region; and each region's 'whole' class is the lowest class k with f_k >= f_j on "
                    "the whole region (None: no class holds it)."),
}


def claim(number: int) -> str:
    """The short label a refusal reason starts with, e.g. ``claim 4 (adjacency)``."""
    return f"claim {number} ({CLAIMS[number][0]})"
