"""Per-court CodeIgniter 2 configuration files: application/config/database.php and config.php.

These files are not part of any release tree: every court writes its own, and an upgrade must never overwrite them.
The output is real PHP (values as single-quoted PHP strings); `style` varies the whitespace so that parsers of
database.php meet both aligned and unaligned forms, as found on real servers.
"""
from __future__ import annotations

HEADER = "<?php  if ( ! defined('BASEPATH')) exit('No direct script access allowed');\n"

# Keys of a CodeIgniter 2 database group, in the order CI writes them, with their defaults.
DB_KEYS = (
    ("hostname", "localhost"),
    ("username", ""),
    ("password", ""),
    ("database", ""),
    ("dbdriver", "mysqli"),
    ("dbprefix", ""),
    ("pconnect", False),
    ("db_debug", True),
    ("cache_on", False),
    ("cachedir", ""),
    ("char_set", "latin1"),
    ("dbcollat", "latin1_swedish_ci"),
    ("swap_pre", ""),
    ("autoinit", True),
    ("stricton", False),
    ("port", 3306),
)
STYLES = 3


def php_literal(value) -> str:
    """A PHP literal: TRUE/FALSE, integers as they are, everything else a single-quoted string."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def _assignments(lines: list[tuple[str, str]], style: int) -> str:
    """Render (left-hand side, PHP literal) pairs. Style 0: aligned '=', 1: one space, 2: tabs and no spaces."""
    style %= STYLES
    width = max(len(left) for left, _ in lines)
    out = []
    for left, literal in lines:
        if style == 0:
            out.append(f"{left.ljust(width)} = {literal};")
        elif style == 1:
            out.append(f"{left} = {literal};")
        else:
            out.append(f"{left}\t={literal};")
    return "\n".join(out) + "\n"


def _group(name: str, settings: dict) -> list[tuple[str, str]]:
    unknown = set(settings) - {k for k, _ in DB_KEYS} - {"socket"}
    if unknown:
        raise ValueError(f"unknown database.php keys for group {name}: {sorted(unknown)}")
    lines = [(f"$db['{name}']['{key}']", php_literal(settings.get(key, default))) for key, default in DB_KEYS]
    if settings.get("socket"):
        lines.append((f"$db['{name}']['socket']", php_literal(settings["socket"])))
    return lines


def render_database_php(default: dict, web: dict, style: int = 0) -> str:
    """application/config/database.php with groups 'default' (SIPP's database) and 'web' (the public side).

    Each dict takes hostname, username, password, database, port (int) and optionally socket or any other
    CodeIgniter key; missing keys get CodeIgniter's defaults (mysqli, latin1)."""
    body = [
        HEADER,
        "/*\n| -------------------------------------------------------------------\n"
        "| DATABASE CONNECTIVITY SETTINGS\n| -------------------------------------------------------------------\n"
        "| 'default' is SIPP's own database; 'web' is SIPP web (public side), used by synchronisation.\n*/\n\n",
        _assignments([("$active_group", php_literal("default")), ("$active_record", "TRUE")], style),
        "\n",
        _assignments(_group("default", default), style),
        "\n",
        _assignments(_group("web", web), style),
        "\n/* End of file database.php */\n/* Location: ./application/config/database.php */\n",
    ]
    return "".join(body)


def render_config_php(base_url: str, encryption_key: str, style: int = 0) -> str:
    """application/config/config.php (the subset of CodeIgniter 2 settings SIPP uses)."""
    settings = [
        ("base_url", base_url),
        ("index_page", "index.php"),
        ("uri_protocol", "AUTO"),
        ("url_suffix", ""),
        ("language", "english"),
        ("charset", "UTF-8"),
        ("enable_hooks", False),
        ("subclass_prefix", "MY_"),
        ("permitted_uri_chars", "a-z 0-9~%.:_\\-"),
        ("log_threshold", 0),
        ("log_path", ""),
        ("encryption_key", encryption_key),
        ("sess_cookie_name", "sipp_session"),
        ("sess_expiration", 7200),
        ("sess_encrypt_cookie", True),
        ("sess_use_database", False),
        ("cookie_prefix", ""),
        ("cookie_path", "/"),
        ("global_xss_filtering", False),
        ("csrf_protection", False),
        ("compress_output", False),
        ("time_reference", "local"),
        ("proxy_ips", ""),
    ]
    lines = [(f"$config['{key}']", php_literal(value)) for key, value in settings]
    return (HEADER + "\n" + _assignments(lines, style)
            + "\n/* End of file config.php */\n/* Location: ./application/config/config.php */\n")
