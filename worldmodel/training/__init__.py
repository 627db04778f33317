"""`reverie train`: cached data, one training loop for every model, per-model recipes."""
