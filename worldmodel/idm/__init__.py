"""Inverse dynamics model: frames to the robot actions between them."""
