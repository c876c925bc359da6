"""Exceptions whose message is meant for the user (GUI notification or one CLI line)."""


class UserInputError(ValueError):
    """Bad input from the user: a wrong path, shape, value or file.

    The message is complete and readable on its own; front ends show it without a
    traceback.
    """


class CheckpointError(UserInputError):
    """A model checkpoint directory is missing, corrupt or does not match its config."""


def os_error_reason(exc: OSError) -> str:
    """A file-system error in a few words: ``"disk full: free some space or write to
    another disk"`` for ENOSPC and short writes (NumPy's "65536 requested and 9104
    written"), else the system's text (``"Permission denied"``)."""
    import errno
    import re

    text = " ".join(str(exc).split())
    if exc.errno == errno.ENOSPC or re.search(r"\d+ requested and \d+ written", text):
        return "disk full: free some space or write to another disk"
    return exc.strerror or text or type(exc).__name__
