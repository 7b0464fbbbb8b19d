"""Who did or tried what, for privacy accountability."""
