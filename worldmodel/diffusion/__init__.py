"""Latent video diffusion world model: flow matching with a diffusers video transformer."""
