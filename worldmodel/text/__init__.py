"""Instruction text encoders: a small one trained here, and an adapter for pretrained ones."""
