"""One module per CLI command; each exposes register(subparsers). See lab/cli.py."""
