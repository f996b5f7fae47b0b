"""Web routes, one module per noun; each parses, calls one page function, and renders or redirects."""
