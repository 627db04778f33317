"""The operator console: a fleet of robots, one agent each, served to a browser (issue 23)."""
