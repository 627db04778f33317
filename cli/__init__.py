"""The `reverie` command line: one module per command group (cli/main.py mounts them)."""
