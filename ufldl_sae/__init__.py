"""ufldl-sae."""
