"""Page contexts: one function per page builds everything its template shows, from services only."""
