"""Exceptions whose message is meant for the user (GUI notification or one CLI line)."""


class UserInputError(ValueError):
    """Bad input from the user: a wrong path, shape, value or file.

    The message is complete and readable on its own; front ends show it without a
    traceback.
    """


class CheckpointError(UserInputError):
    """A model checkpoint directory is missing, corrupt or does not match its config."""
