"""Peer text made safe for log lines and status comments.

Anything a peer sends (AE titles, UIDs, labels, values quoted in error
messages) may hold newlines, terminal escapes or bytes of any character
set.  Escaped, it cannot forge a log line or break the Error Comment's VR.
A leaf module: imports nothing from the package.
"""

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: What an LO value may not hold: control characters, backslash, and (in
#: the default character set of a command) anything beyond ASCII.
_NOT_LO = re.compile(r"[^\x20-\x5b\x5d-\x7e]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def escape(text: object) -> str:
    """*text* with control characters written as ``\\xNN`` (one line)."""
    return _CONTROL.sub(_escaped, str(text))


def ascii_comment(text: object, limit: int = 64) -> str:
    """*text* as an LO value (PS3.5 6.2) in the default character set: any
    other character becomes ``?``; cut to *limit* characters."""
    return _NOT_LO.sub("?", str(text))[:limit]
