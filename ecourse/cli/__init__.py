"""The `ecourse` command and its subcommands."""
