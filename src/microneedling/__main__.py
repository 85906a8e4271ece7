"""`python -m microneedling` runs the CLI."""

from microneedling.cli import main

main()
