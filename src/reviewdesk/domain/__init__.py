"""Pure domain logic: no HTTP, no I/O."""
