"""CLI verbs that live in their own modules; each has register(subparsers), wired in khazar/cli.py."""
