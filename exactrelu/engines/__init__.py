"""The untrusted producers: enumeration engines and the steps they share.

``forms`` (exact integer layers), ``recorder`` (the sign-split tree interface), ``walk`` (the one
tree walk and layer split, driven by a cell strategy), ``dd`` and ``lp`` (the two cell strategies:
vertices, or constraints and exact LPs), ``facets`` and ``dd_adjacency`` (facets, carriers,
adjacency), ``run`` (one enumeration from start to finish).  Everything they output is exact.
"""
