"""Behaviour-cloning policy: the direct (end-to-end) baseline for imagine-then-invert."""
