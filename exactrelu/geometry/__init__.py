"""Exact geometric kernels that know nothing of networks.

``exact`` (integer vectors in homogeneous coordinates), ``predicates`` (filtered exact signs),
``rounding`` (short rational points), ``cell`` (double-description polytopes), ``lp`` (exact LPs
guided by HiGHS) and ``domain`` (validated input domains).
"""
