"""Layer 3: whole networks built from behaviours, each a function returning a Network."""
