"""Human-facing output: text and formulas now (LaTeX tables, figures and Coq proofs next)."""
