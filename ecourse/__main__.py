"""`python -m ecourse` is the same as the `ecourse` command."""

from ecourse.cli.main import main

main()
