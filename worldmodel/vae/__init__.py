"""Frame autoencoder (VAE) whose latents the world model diffuses in."""
