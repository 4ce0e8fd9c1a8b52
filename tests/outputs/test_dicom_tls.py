"""The ``dicom`` output over TLS, to DCMTK's dcmprscp listening with TLS,
certificates made by the test (``tests/net/test_tls.py``'s CA)."""

import pytest

from printserver.config import parse_config
from printserver.errors import ConfigError
from printserver.outputs import OutputError, make_output
from tests.conftest import require_tool
from tests.net.test_tls import dcmtk_tls, pki  # noqa: F401 - the fixture
from tests.outputs.test_dicom import (
    CALLED_AE,
    Dcmprscp,
    flat_film,
    make_delivery,
    printer_toml,
)


@pytest.fixture
def tls_dcmprscp(tmp_path, pki):  # noqa: F811 - the fixture
    """dcmprscp with TLS on its port; our client certificate required."""
    program = require_tool("dcmprscp", "dcmtk")
    printer = Dcmprscp(program, tmp_path / "dcmprscp")
    general, entry = dcmtk_tls(pki, tmp_path, "server")
    text = printer.config.read_text().replace(
        "[[GENERAL]]\n", f"[[GENERAL]]\n{general}"
    )
    printer.config.write_text(
        text.replace("ImplicitOnly = false\n", f"ImplicitOnly = false\n{entry}")
    )
    printer.start()
    try:
        yield printer
    finally:
        printer.stop()


def tls_output(port, pki, where="printer", certificate=True):  # noqa: F811
    """A dicom output to *port* over TLS, asked for by the printer's own
    ``tls`` or by the peer entry of its AE title."""
    server = f'tls_ca = "{pki / "ca.crt"}"\n'
    if certificate:
        server += (
            f'tls_certificate = "{pki / "client.crt"}"\n'
            f'tls_key = "{pki / "client.key"}"\n'
        )
    text = printer_toml(port).replace("[server]\n", f"[server]\n{server}")
    if where == "printer":
        text += "tls = true\n"
    else:
        text += f'[[peers]]\nae_title = "{CALLED_AE}"\ntls = true\n'
    config = parse_config(text)
    return make_output(config.printers[0], config)


@pytest.mark.dcmtk
@pytest.mark.parametrize("where", ["printer", "peer"])
def test_film_printed_over_tls_on_dcmprscp(tls_dcmprscp, tmp_path, pki, where):  # noqa: F811
    delivery, recorded = make_delivery(tmp_path, [flat_film(size="14INX17IN")])
    tls_output(tls_dcmprscp.port, pki, where).send(delivery)
    assert recorded["films_printed"] == 1
    [stored_print] = tls_dcmprscp.stored("SP")
    assert stored_print.FilmBoxContentSequence[0].FilmSizeID == "14INX17IN"
    assert len(tls_dcmprscp.stored("HG")) == 1


@pytest.mark.dcmtk
def test_tls_printer_refuses_plain_and_certificate_less_clients(
    tls_dcmprscp,
    tmp_path,
    pki,  # noqa: F811
):
    plain_config = parse_config(printer_toml(tls_dcmprscp.port, timeout=5))
    plain = make_output(plain_config.printers[0], plain_config)
    delivery, recorded = make_delivery(tmp_path, [flat_film()])
    with pytest.raises(OutputError, match="FILMPRINTER@127.0.0.1"):
        plain.send(delivery)
    with pytest.raises(OutputError, match="FILMPRINTER@127.0.0.1"):
        tls_output(tls_dcmprscp.port, pki, certificate=False).send(delivery)
    assert "films_printed" not in recorded
    assert tls_dcmprscp.stored("SP") == []


def test_outgoing_tls_needs_a_ca(tmp_path):
    with pytest.raises(ConfigError, match=r"printers\[0\].tls: needs server.tls_ca"):
        parse_config(printer_toml(104) + "tls = true\n")
