"""Storage: one dialect-neutral schema and the SQL that reads and writes it."""
