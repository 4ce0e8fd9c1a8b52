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


HOT = '[[hotfolders]]\npath = "/h"\npreset = "ct-4x5"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[server]\nport = 70000\n", "server.port"),
        ("[server]\nprot = 1\n", "server.prot: unknown key"),
        ('[server]\nport = "x"\n', "server.port: expected int"),
        ('[server]\nae_title = "WAY_TOO_LONG_AE_TITLE"\n', "server.ae_title"),
        ('[[printers]]\nname = "a"\nkind = "laser"\n', "printers\\[0\\].kind"),
        ("[nonsense]\n", "unknown section"),
        ('[server]\npeer_policy = "some"\n', "server.peer_policy"),
        ('[[peers]]\nhost = "h"\n', "peers\\[0\\].ae_title: missing"),
        ('[[peers]]\nae_title = "A\\\\B"\n', "peers\\[0\\].ae_title: invalid"),
        ('[[peers]]\nae_title = "CT"\nport = 0\n', "peers\\[0\\].port"),
        (
            '[[peers]]\nae_title = "CT"\n[[peers]]\nae_title = "CT"\n',
            "peers\\[1\\].ae_title: duplicate",
        ),
        (
            '[[peers]]\nae_title = "CT"\npermissions = ["print", "fly"]\n',
            "peers\\[0\\].permissions: 'fly'",
        ),
        ('[[hotfolders]]\npath = "/h"\n', "hotfolders\\[0\\].preset: missing"),
        ("hotfolders = 3\n", "hotfolders: expected \\[\\[hotfolders\\]\\] tables"),
        (f"{HOT}watch = true\n", "hotfolders\\[0\\].watch: unknown key"),
        (f"{HOT}settle_seconds = 0\n", "hotfolders\\[0\\].settle_seconds: 0 not in"),
        (f'{HOT}printer = "laser"\n', "hotfolders\\[0\\].printer: no printer 'laser'"),
        (HOT.replace("ct-4x5", "ct"), "hotfolders\\[0\\].preset: preset 'ct': cannot"),
        (HOT + HOT, "hotfolders\\[1\\].path: empty or duplicate '/h'"),
        ("[server\n", "ps.toml"),
        ("[server]\nmax_image_rows = 0\n", "server.max_image_rows: 0 not in 1-65535"),
        ("[server]\nmax_image_boxes = 70000\n", "max_image_boxes: 70000 not in"),
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
    [hotfolder] = config.hotfolders
    assert (hotfolder.preset, hotfolder.settle_seconds) == ("ct-4x5", 2)
    assert config.presets["ct-4x5"].image_display_format == "STANDARD\\4,5"
    assert config.hotfolder_printer(hotfolder).name == "folder"
    [peer] = config.peers
    assert (peer.ae_title, peer.host, peer.permissions) == (
        "CT_ROOM1",
        "10.1.20.31",
        ("print", "status"),
    )
    assert (config.server.peer_policy, config.server.max_image_rows) == ("any", 16384)


def test_security_peers_example_parses():
    doc = (Path(__file__).parent.parent / "docs" / "security.md").read_text()
    block = next(b for b in doc.split("```toml\n")[1:] if b.startswith("[[peers]]"))
    config = parse_config(block.split("```", 1)[0], "security.md")
    ct, viewer, drystar = config.peers
    assert viewer.permissions == ("status",)
    assert ct.permissions == ("print", "status")
    assert drystar.tls and drystar.port == 104


def test_readme_printer_example_parses():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    block = readme.split("```toml\n")[2].split("```", 1)[0]
    config = parse_config(block, "README.md")
    film, drystar, paper = config.printers
    assert (drystar.kind, drystar.called_ae, drystar.mode) == (
        "dicom",
        "DRYSTAR",
        "composed",
    )
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


def test_hot_folder_printer_comes_from_the_preset_or_the_folder(tmp_path):
    preset = tmp_path / "to-b.toml"
    preset.write_text('printer = "b"\n')
    printers = '[[printers]]\nname = "a"\n[[printers]]\nname = "b"\n'
    folders = (
        f'[[hotfolders]]\npath = "/1"\npreset = "{preset}"\n'
        f'[[hotfolders]]\npath = "/2"\npreset = "{preset}"\nprinter = "a"\n'
        '[[hotfolders]]\npath = "/3"\npreset = "ct-4x5"\n'
    )
    config = parse_config(printers + folders)
    assert [config.hotfolder_printer(h).name for h in config.hotfolders] == [
        "b",
        "a",
        "a",
    ]
    with pytest.raises(
        ConfigError, match=r"hotfolders\[0\].preset: preset .*: printer"
    ):
        parse_config(folders)


def test_hot_folder_preset_must_suit_the_printer(tmp_path):
    profile = tmp_path / "paper.toml"
    profile.write_text('medium_types = ["PAPER"]\ndefault_medium_type = "PAPER"\n')
    text = f'[[printers]]\nname = "p"\nprofile = "{profile}"\n{HOT}'
    with pytest.raises(
        ConfigError,
        match=r"hotfolders\[0\].preset: preset .*ct-4x5.toml: medium_type: "
        r"'BLUE FILM' is not offered by printer profile",
    ):
        parse_config(text)


def test_peers_are_registered_by_ae_title():
    config = parse_config(
        '[server]\npeer_policy = "registered"\n'
        '[[peers]]\nae_title = "CT1"\nhost = "10.1.2.3"\npermissions = ["print"]\n'
        '[[peers]]\nae_title = "PACS"\nport = 11113\n'
    )
    assert config.server.peer_policy == "registered"
    ct = config.peer("CT1")
    assert ct is not None
    assert (ct.host, ct.port, ct.permissions) == ("10.1.2.3", 104, ("print",))
    pacs = config.peer("PACS")
    assert pacs is not None
    assert (pacs.port, len(pacs.permissions)) == (11113, 5)
    assert config.peer("MR1") is None
