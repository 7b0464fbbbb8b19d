"""Retention: per-organisation bewaartermijnen and the run that applies them (R-27)."""
