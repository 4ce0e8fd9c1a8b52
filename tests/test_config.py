"""Configuration: embedded default, file, overrides, errors naming the key."""

from pathlib import Path

import pytest

from printserver.config import load_config, parse_config
from printserver.errors import ConfigError


def test_embedded_default():
    config = load_config()
    assert (config.server.ae_title, config.server.port, config.server.data) == (
        "PRINTSCP",
        11112,
        "./spool",
    )
    assert [(p.name, p.kind) for p in config.printers] == [("folder", "folder")]


def test_flags_override_the_file(tmp_path):
    path = tmp_path / "ps.toml"
    path.write_text('[server]\nae_title = "FILMS"\nport = 104\n')
    config = load_config(path, port=2000, ae_title=None)
    assert (config.server.ae_title, config.server.port) == ("FILMS", 2000)
    assert config.printers[0].kind == "folder"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[server]\nport = 70000\n", "server.port"),
        ("[server]\nprot = 1\n", "server.prot: unknown key"),
        ('[server]\nport = "x"\n', "server.port: expected int"),
        ('[server]\nae_title = "WAY_TOO_LONG_AE_TITLE"\n', "server.ae_title"),
        ('[[printers]]\nname = "a"\nkind = "laser"\n', "printers\\[0\\].kind"),
        ("[nonsense]\n", "unknown section"),
        ("[server\n", "ps.toml"),
    ],
)
def test_errors_name_the_key(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(text, "ps.toml")


def test_readme_example_parses():

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    block = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    config = parse_config(block, "README.md")
    assert config.server.max_pdu_size == 262144
    assert config.spool.min_free_mb == 200
    assert config.printers[0].profile == "default"


def test_readme_printer_example_parses():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    block = readme.split("```toml\n")[2].split("```", 1)[0]
    config = parse_config(block, "README.md")
    film, paper = config.printers
    assert (film.kind, film.on_error, film.fallback) == ("socket", "fallback", "paper")
    assert (paper.kind, paper.rendition, paper.options) == (
        "cups",
        "paper",
        {"media": "A4"},
    )
    assert config.route("PAPER", "CT1") is paper
    assert config.route("PAPER", "CT1", "PAPER", ("A4",)) is paper
    assert config.route("PRINTSCP", "CT1", "PAPER") is film
    assert config.ae_titles == ("PRINTSCP", "PAPER")


@pytest.mark.parametrize(
    ("printer", "message"),
    [
        ('kind = "laser"', "printers\\[0\\].kind: 'laser' is not one of"),
        ('kind = "cups"', "printers\\[0\\].queue: a cups printer needs"),
        ('kind = "socket"', "printers\\[0\\].host: a socket printer needs"),
        ('on_error = "fallback"\nfallback = "x"', "fallback: no printer named 'x'"),
        ('formats = ["ps", "tiff"]', "formats: 'tiff' is not one of"),
        ('formats = "ps"', "formats: expected a list of strings"),
        ("options = { copies = 2 }", "options: expected a table of strings"),
        ("retries = -1", "retries, retry_delay and timeout"),
    ],
)
def test_bad_printer_keys_are_named(printer, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(f'[[printers]]\nname = "p"\n{printer}\n', "ps.toml")
