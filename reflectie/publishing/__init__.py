"""Anonymised publication of cases: detection, the anonymised copy, review, withdrawal."""
