"""The command line's one error of its own.

A command raises ``CliError`` for a mistake it detects itself (a missing option, an unreadable
file); ``main`` prints it as ``echofed: <message>`` on stderr and exits with status 1, as it
does for the domain errors of ``echofed.errors``.
"""

from __future__ import annotations


class CliError(Exception):
    """A failure to report on stderr with exit status 1."""
