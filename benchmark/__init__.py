"""Synthesis benchmarks (run `make bench`)."""
