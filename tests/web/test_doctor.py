"""``printserver doctor`` on the web page: its password and its port."""

import socket
from dataclasses import replace

from printserver.doctor import check_web
from printserver.password import hash_password
from tests.test_cli import free_port
from tests.web.conftest import PASSWORD


def config_with_web(web_server, **changes):
    config = web_server.scp.config
    return replace(config, web=replace(config.web, **changes))


def test_no_password_fails_with_the_fix(web_server):
    check = check_web(config_with_web(web_server, password_hash=""), "my.toml")
    assert check.line() == (
        "FAIL  web page port 0 on 127.0.0.1: no admin password: nobody can log "
        "in; fix: printserver passwd --config my.toml, then restart the service"
    )


def test_port_of_a_running_page_is_ok(web_server):
    port = int(web_server.url.rsplit(":", 1)[1])
    check = check_web(config_with_web(web_server, port=port), "my.toml")
    assert (check.ok, check.detail) == (True, "in use by a running printserver's page")


def test_free_port_is_ok_and_a_foreign_one_fails(web_server):
    free = check_web(config_with_web(web_server, port=free_port()), "my.toml")
    assert (free.ok, free.detail) == (True, "free, password set")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        config = config_with_web(
            web_server, port=port, password_hash=hash_password(PASSWORD)
        )
        check = check_web(config, "my.toml")
    assert not check.ok
    assert "no printserver page answers there" in check.detail
    assert f"ss -ltnp 'sport = :{port}'" in check.fix
