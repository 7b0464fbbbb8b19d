"""Case write-ups and the reference data they are tagged with: the seven kwesties."""
