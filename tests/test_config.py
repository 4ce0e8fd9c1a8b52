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
