"""CLI sub-commands, one module per area; each has `add_commands(subparsers)`."""
