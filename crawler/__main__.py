"""`python -m crawler` runs the policytrail command."""

from crawler.cli import main

main()
