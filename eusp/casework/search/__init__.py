"""Finding requests by their words: folding, the reference jump, the database search."""
