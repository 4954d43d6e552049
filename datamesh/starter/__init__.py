"""Starter mesh folders written by `datamesh init`: the answers and the two templates."""
