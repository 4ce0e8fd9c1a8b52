"""The admin password: hashed with scrypt, kept in the configuration file.

``printserver passwd`` writes ``[web] password_hash`` into the TOML file
(tomlkit keeps its comments and layout); the server reads it at start-up
and checks logins against it.  Hashing is werkzeug's (scrypt, salted).
A leaf beside ``config``: imports only ``errors``.
"""

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

import tomlkit
from werkzeug.security import check_password_hash, generate_password_hash

from printserver.errors import ConfigError

__all__ = ["add_passwd_parser", "hash_password", "run_passwd", "verify_password"]

#: Shortest password accepted.
MIN_LENGTH = 8


def hash_password(password: str) -> str:
    """The salted scrypt hash of *password*, as werkzeug writes it."""
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    """True when *password* matches *password_hash* (never when unset)."""
    if not password_hash:
        return False
    try:
        return check_password_hash(password_hash, password)
    except ValueError:  # a hash written by hand, in no known format
        return False


def write_password_hash(config_path: Path, password_hash: str) -> None:
    """Set ``[web] password_hash`` in the TOML file, keeping the rest."""
    try:
        doc = tomlkit.parse(config_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{config_path}: cannot read: {exc.strerror}") from exc
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(f"{config_path}: {exc}") from exc
    web: Any = doc.get("web")
    if web is None:
        web = tomlkit.table()
        doc["web"] = web
    web["password_hash"] = password_hash
    try:
        config_path.write_text(tomlkit.dumps(doc), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{config_path}: cannot write: {exc.strerror}") from exc


def add_passwd_parser(commands: Any) -> None:
    """``printserver passwd``."""
    passwd = commands.add_parser(
        "passwd", help="set the web admin password (hashed into the config file)"
    )
    passwd.add_argument("--config", required=True, help="TOML configuration file")
    passwd.add_argument(
        "--stdin", action="store_true", help="read the password from standard input"
    )


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("New web admin password: ")
    if getpass.getpass("Again: ") != password:
        raise ConfigError("the two passwords differ")
    return password


def run_passwd(args: argparse.Namespace) -> int:
    """Ask for a password and write its hash; restart the server after."""
    try:
        password = _read_password(args.stdin)
        if len(password) < MIN_LENGTH:
            raise ConfigError(f"a password needs {MIN_LENGTH} characters or more")
        write_password_hash(Path(args.config), hash_password(password))
    except (ConfigError, EOFError) as exc:
        print(f"printserver: {exc or 'no password given'}", file=sys.stderr)
        return 1
    print(f"password hash written to {args.config} [web]; restart the server")
    return 0
