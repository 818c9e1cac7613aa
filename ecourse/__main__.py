"""`python -m ecourse` is the same as the `ecourse` command."""

from ecourse.cli import main

main()
