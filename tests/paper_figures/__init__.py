"""Tests of the paper figures: each runs on its small setting and checks its CSV numbers."""
