"""Block Kit builders, one module per surface. Pure functions: data in, payload dict out."""
