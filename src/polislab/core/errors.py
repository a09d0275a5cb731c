"""The one error type that reaches a user as a single line (CLI exit status 2)."""


class UsageError(ValueError):
    """Bad input from a user: an unknown name, a value out of range, a malformed file.

    The message is one line that names the problem and what is allowed.
    """
