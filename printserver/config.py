"""Typed configuration: one TOML file, an embedded default, CLI overrides.

Read once at start-up and passed down; no module-level state.  A leaf
module: imports only ``errors``, ``profile`` and ``preset``.
"""

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from printserver.errors import ConfigError
from printserver.preset import Preset, check_preset, load_preset
from printserver.profile import PrinterProfile, load_profile

#: The configuration used when no file is given: one folder printer.
DEFAULT_CONFIG_TOML = """
[server]
ae_title = "PRINTSCP"
host = "0.0.0.0"
port = 11112
data = "./spool"

[[printers]]
name = "folder"
kind = "folder"
"""


@dataclass(frozen=True)
class PrinterConfig:
    """One output printer."""

    name: str
    """Name shown in logs, the queue and Printer Name (2110,0030)."""

    kind: str = "folder"
    """Output kind: ``folder``, ``cups``, ``dicom`` or ``socket``."""

    path: str = ""
    """Folder for ``folder`` printers; empty means ``<data>/output``."""

    formats: tuple[str, ...] = ("ps", "png")
    """What a ``folder`` printer writes: any of ``ps``, ``pdf``, ``png``."""

    ps_data: str = "binary"
    """Image data in the PostScript: ``binary``, or ``ascii85`` for a path
    that passes 7-bit text only."""

    host: str = ""
    """Host of a ``socket`` or ``dicom`` printer, or of the CUPS server
    (empty: the local one)."""

    port: int = 0
    """Its port (0: 9100 for sockets, 104 for DICOM, 631 for CUPS)."""

    queue: str = ""
    """Queue name of a ``cups`` printer."""

    options: dict[str, str] = field(default_factory=dict)
    """CUPS job options for a ``cups`` printer (``media``, ``sides``...)."""

    rendition: str = "film"
    """``film`` (the film PostScript) or ``paper`` (a PDF page per film,
    fitted on ``paper_size`` with a header line), for ``cups``."""

    paper_size: str = "A4"
    """``A4`` or ``LETTER``, for the paper rendition."""

    called_ae: str = ""
    """AE title of a ``dicom`` film printer."""

    calling_ae: str = ""
    """Our AE title towards a ``dicom`` printer (empty: the server's)."""

    mode: str = "composed"
    """``composed`` (one STANDARD\\1,1 image per film) or ``passthrough``
    (the original film and image boxes), for ``dicom`` printers."""

    timeout: float = 30.0
    """Seconds to wait for the printer (connect, each reply)."""

    tls: bool = False
    """Open the association to a ``dicom`` printer over TLS, with the
    ``server.tls_*`` files (also when the ``[[peers]]`` entry of its
    ``called_ae`` says ``tls = true``)."""

    retries: int = 3
    """Tries after the first failure to reach the printer (default 3)."""

    retry_delay: float = 10.0
    """Seconds before the first retry, doubled for each next one."""

    on_error: str = "stop-printer"
    """After the last retry: ``stop-printer`` (the job waits, the printer
    is disabled), ``hold`` (the job), ``fail`` (the job), or ``fallback``
    (the job moves to the ``fallback`` printer)."""

    fallback: str = ""
    """Printer that takes the jobs this one cannot print (``on_error =
    "fallback"``), e.g. a paper printer behind CUPS for a film printer."""

    called_ae_titles: tuple[str, ...] = ()
    """Route: jobs sent to one of these AE titles of ours print here."""

    calling_ae_titles: tuple[str, ...] = ()
    """Route: jobs from these modalities' AE titles print here."""

    medium_types: tuple[str, ...] = ()
    """Route: jobs asking for one of these Medium Types print here."""

    film_sizes: tuple[str, ...] = ()
    """Route: jobs whose films are all of these Film Size IDs print here."""

    profile: str = "default"
    """Printer profile: a name in ``layouts/printers/<profile>.toml`` or a path
    to a ``.toml`` file; resolution, densities, film sizes, formats...
    (default ``default``)."""

    preview_height: int = 1024
    """Height in pixels of the PNG preview of each film (default 1024)."""


@dataclass(frozen=True)
class SpoolConfig:
    """Limits and retention of the spool."""

    min_free_mb: int = 200
    """Free disk space, in MB, that accepting a job must leave (default
    200); below it N-ACTION answers 0xC602 (0xC601 for a session)."""

    quota_mb: int = 0
    """Largest total size of the jobs, in MB; 0 means no quota (default).
    The spool is summed at most every 10 s, jobs accepted since added."""

    retention_days: float = 7.0
    """Done and cancelled jobs are purged this long after they finished,
    oldest first (default 7); failed jobs stay until an admin acts."""

    retention_mb: int = 0
    """Disk that done and cancelled jobs, kept for reprint, may take
    together, in MB; past it the oldest are purged (default 0: no share,
    only ``retention_days``).  Whatever this says, they make room, oldest
    first, before a new job would be refused for the free-disk floor or
    the quota."""


@dataclass(frozen=True)
class ServerConfig:
    """The DICOM listener and the data root."""

    ae_title: str = "PRINTSCP"
    """Our AE title (default ``PRINTSCP``)."""

    host: str = "0.0.0.0"
    """Address to listen on (default all IPv4 interfaces)."""

    port: int = 11112
    """TCP port to listen on (default 11112)."""

    data: str = "./spool"
    """Data root: jobs and outputs live below it (default ``./spool``)."""

    max_associations: int = 10
    """Associations served at once; more are rejected (default 10)."""

    max_pdu_size: int = 262144
    """Largest PDU we accept, in bytes; 0 means no limit (default 256 KiB).
    Bigger PDUs mean fewer of them per image and faster reception."""

    network_timeout: float = 60.0
    """Seconds of silence before an association is aborted (default 60)."""

    max_associations_per_peer: int = 4
    """Associations one peer (calling AE title at one address) may hold at
    once; more are rejected as a local limit exceeded (default 4)."""

    max_association_mb: int = 1024
    """Megabytes one association may send; past that it is aborted before
    more is kept in memory (default 1024)."""

    peer_policy: str = "any"
    """``any``: any peer may associate (the default, for a first run; a
    WARNING at start says so); ``registered``: only the ``[[peers]]``, from
    their host, for what their ``permissions`` allow."""

    max_film_boxes: int = 16
    """Film boxes one film session may hold; more are refused with 0x0213
    (default 16)."""

    max_image_boxes: int = 100
    """Image boxes one film box may have (its Image Display Format); more
    are refused with 0x0213 (default 100)."""

    max_image_rows: int = 16384
    """Rows an image may have; an image box N-SET with more is refused
    with 0xC603 before its pixels are read (default 16384)."""

    max_image_columns: int = 16384
    """Columns an image may have, likewise (default 16384)."""

    acse_timeout: float = 30.0
    """Seconds a new connection may take to ask for an association, and a
    peer to answer a release (default 30): half-open connections end."""

    dimse_timeout: float = 30.0
    """Seconds to wait for a DIMSE reply from a peer (default 30)."""

    tls_port: int = 0
    """A second port, for DICOM over TLS (2762 is usual); 0: none."""

    tls_certificate: str = ""
    """Our certificate (PEM), for the TLS port."""

    tls_key: str = ""
    """Its private key (PEM)."""

    tls_ca: str = ""
    """CA certificates (PEM) that peers' certificates are checked against."""

    tls_verify_client: bool = False
    """Require each peer on the TLS port to show a certificate ``tls_ca``
    signed (mutual TLS)."""


@dataclass(frozen=True)
class HotFolderConfig:
    """A folder whose DICOM files are printed with a preset."""

    path: str
    """The folder watched; created at start.  Printed files move to its
    ``done/``, files that cannot print to ``rejected/``."""

    preset: str
    """Preset: a name in ``layouts/presets/<preset>.toml`` or a path to a
    ``.toml`` file."""

    printer: str = ""
    """Printer name; empty means the preset's printer, else the first."""

    settle_seconds: float = 2.0
    """Seconds a file must stay unchanged, and the folder quiet, before
    its files are taken (default 2)."""


@dataclass(frozen=True)
class WebConfig:
    """The web admin page and ``/metrics``, served by ``printserver serve``."""

    enabled: bool = False
    """Serve the page (default off; the shipped service configuration turns
    it on)."""

    host: str = "127.0.0.1"
    """Address to listen on (default loopback only: reach it through an SSH
    tunnel, or set ``0.0.0.0`` knowing the page is then on the network)."""

    port: int = 8080
    """TCP port of the page (default 8080; 0: one the system picks)."""

    password_hash: str = ""
    """The admin password, hashed (``printserver passwd`` writes it); empty:
    nobody can log in."""

    session_minutes: int = 480
    """A login lasts this long (default 480, a working day)."""

    refresh_seconds: float = 3.0
    """How often the queue page fetches the queue again (default 3)."""


#: What a registered peer may be allowed to do.
PEER_PERMISSIONS = ("print", "store", "query", "retrieve", "status")


@dataclass(frozen=True)
class PeerConfig:
    """A registered DICOM peer: a modality, workstation, PACS or printer."""

    ae_title: str
    """Its AE title (required)."""

    host: str = ""
    """Its address or host name; associations from elsewhere under this AE
    title are refused.  Empty: any address."""

    port: int = 104
    """Its port, for associations we open to it (C-MOVE destinations,
    forwarding); default 104."""

    permissions: tuple[str, ...] = PEER_PERMISSIONS
    """What it may do: any of ``print``, ``store``, ``query``,
    ``retrieve``, ``status`` (C-ECHO and Printer N-GET); default all."""

    tls: bool = False
    """Open our associations to it over TLS (with ``server.tls_*``)."""

    character_set: str = ""
    """Override for a peer known to mislabel its text: the Specific
    Character Set (e.g. ``ISO_IR 144``) or Python codec (``cp1251``) its
    names are really in.  Empty: trust what it declares."""


@dataclass(frozen=True)
class ArchiveConfig:
    """The DICOM archive beside the printer (``[archive]``)."""

    enabled: bool = True
    """Answer C-STORE, C-FIND, C-MOVE and C-GET on our port and AE title
    (default true); files and index live in ``<data>/archive``."""

    store_printed_films: bool = True
    """Keep each printed film in the archive as a Secondary Capture image
    (default true)."""

    accept_unknown_classes: bool = False
    """Accept C-STORE of private or unknown SOP classes too (default
    false: only the storage classes pynetdicom knows)."""

    forward_to: str = ""
    """AE title of a registered peer (an upstream PACS) that receives a
    copy of every stored instance and printed film; empty: no forwarding."""

    forward_retry_seconds: float = 30.0
    """Seconds before a failed forward is tried again, doubled for each
    further failure up to an hour; instances wait in the queue until the
    PACS takes them (default 30)."""

    max_mb: int = 0
    """The archive's share of the disk, in MB: a store that would pass it
    first purges (see ``printed_film_days``), else is refused with 0xA700.
    0 (default): a quarter of the size of the data root's filesystem."""

    printed_film_days: float = 30.0
    """Printed films are deleted this many days after they were archived
    (default 30); 0 keeps them until room is needed.  When the archive
    needs room, printed films go first, oldest first."""

    retention_days: float = 0.0
    """Instances received by C-STORE are deleted this many days after they
    arrived; 0 (default) keeps them until an admin deletes them."""

    min_free_margin_mb: int = 200
    """The archive stops storing (0xA700, printed films not kept) while free
    disk is below ``spool.min_free_mb`` plus this many MB (default 200), so
    the spool's own floor is never reached because of the archive."""

    purge_minutes: float = 60.0
    """Minutes between purge runs while serving (default 60); the archive
    is also purged at start and whenever a store needs room."""


@dataclass(frozen=True)
class Config:
    """The whole configuration."""

    server: ServerConfig = field(default_factory=ServerConfig)
    printers: tuple[PrinterConfig, ...] = ()
    profiles: dict[str, PrinterProfile] = field(default_factory=dict)
    spool: SpoolConfig = field(default_factory=SpoolConfig)
    """Profiles by name, loaded for every printer at start."""
    hotfolders: tuple[HotFolderConfig, ...] = ()
    presets: dict[str, Preset] = field(default_factory=dict)
    """Presets by name, loaded for every hot folder at start."""
    peers: tuple[PeerConfig, ...] = ()
    """Registered peers (``[[peers]]``)."""
    archive: ArchiveConfig = field(default_factory=ArchiveConfig)
    """The archive (``[archive]``)."""
    web: WebConfig = field(default_factory=WebConfig)
    """The web admin page (``[web]``)."""

    def printer_tls(self, printer: PrinterConfig) -> bool:
        """Whether our associations to *printer* use TLS."""
        peer = self.peer(printer.called_ae)
        return printer.tls or (peer is not None and peer.tls)

    def peer(self, ae_title: str) -> PeerConfig | None:
        """The registered peer with *ae_title*, or ``None``."""
        for peer in self.peers:
            if peer.ae_title == ae_title:
                return peer
        return None

    @property
    def data_root(self) -> Path:
        """The data root as an absolute path."""
        return Path(self.server.data).expanduser().resolve()

    @property
    def default_printer(self) -> PrinterConfig:
        """The printer that takes jobs no route claims: the first one."""
        return self.printers[0]

    def profile(self, printer: PrinterConfig) -> PrinterProfile:
        """The profile of *printer*."""
        return self.profiles[printer.profile]

    def printer(self, name: str) -> PrinterConfig:
        """The printer called *name*, or the default one."""
        for printer in self.printers:
            if printer.name == name:
                return printer
        return self.default_printer

    @property
    def ae_titles(self) -> tuple[str, ...]:
        """Every AE title we answer to: ours, and each printer's routes."""
        titles = [self.server.ae_title]
        for printer in self.printers:
            titles += [t for t in printer.called_ae_titles if t not in titles]
        return tuple(titles)

    def route(
        self,
        called_ae: str,
        calling_ae: str,
        medium_type: str = "",
        film_sizes: tuple[str, ...] = (),
    ) -> PrinterConfig:
        """The printer a job goes to: the first whose routes all match.

        A printer's route is its non-empty lists among ``called_ae_titles``,
        ``calling_ae_titles``, ``medium_types`` and ``film_sizes``; an empty
        *medium_type* or *film_sizes* (not known yet, at association time)
        matches.  Printers without routes take only what no route claims,
        on the first printer.
        """
        for printer in self.printers:
            checks = (
                (printer.called_ae_titles, (called_ae,)),
                (printer.calling_ae_titles, (calling_ae,)),
                (printer.medium_types, (medium_type,) if medium_type else ()),
                (printer.film_sizes, film_sizes),
            )
            if not any(allowed for allowed, _ in checks):
                continue
            if all(
                not allowed or all(v in allowed for v in values)
                for allowed, values in checks
            ):
                return printer
        return self.default_printer

    def printer_output_dir(self, printer: PrinterConfig) -> Path:
        """Folder a ``folder`` printer writes to."""
        if printer.path:
            return Path(printer.path).expanduser().resolve()
        return self.data_root / "output"

    def hotfolder_printer(self, hotfolder: HotFolderConfig) -> PrinterConfig:
        """The printer a hot folder's jobs go to."""
        name = hotfolder.printer or self.presets[hotfolder.preset].printer
        return self.printer(name)


#: Printer keys with a fixed set of values.
_CHOICES = {
    "kind": ("folder", "cups", "dicom", "socket"),
    "formats": ("ps", "pdf", "png"),
    "rendition": ("film", "paper"),
    "ps_data": ("binary", "ascii85"),
    "paper_size": ("A4", "LETTER"),
    "mode": ("composed", "passthrough"),
    "on_error": ("stop-printer", "hold", "fail", "fallback"),
}


def _build(cls: type, table: Any, where: str) -> Any:
    """Make dataclass *cls* from a TOML table, naming any bad key."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table, got {type(table).__name__}")

    known = {f.name: f for f in fields(cls)}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{where}.{key}: unknown key")
        expected = known[key].type
        if expected is float and isinstance(value, int):
            continue
        if expected == tuple[str, ...]:
            if not isinstance(value, list) or not all(
                isinstance(v, str) for v in value
            ):
                raise ConfigError(f"{where}.{key}: expected a list of strings")
            table = {**table, key: tuple(value)}
            continue
        if expected == dict[str, str]:
            if not isinstance(value, dict) or not all(
                isinstance(v, str) for v in value.values()
            ):
                raise ConfigError(f"{where}.{key}: expected a table of strings")
            continue
        if isinstance(expected, type) and not isinstance(value, expected):
            raise ConfigError(
                f"{where}.{key}: expected {expected.__name__}, "
                f"got {type(value).__name__} {value!r}"
            )
    try:
        return cls(**table)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def parse_config(text: str, source: str = "<embedded>") -> Config:
    """Parse and validate configuration TOML.

    Raises
    ------
    ConfigError
        With the file and key at fault.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: {exc}") from exc

    sections = {"server", "printers", "spool", "hotfolders", "peers", "web", "archive"}
    unknown = set(doc) - sections
    if unknown:
        raise ConfigError(f"{source}: unknown section {sorted(unknown)[0]!r}")
    server = _build(ServerConfig, doc.get("server", {}), f"{source}: server")
    printers = tuple(
        _build(PrinterConfig, table, f"{source}: printers[{i}]")
        for i, table in enumerate(doc.get("printers", []))
    )
    # A file without printers still gets the default folder printer.
    printers = printers or (PrinterConfig("folder"),)
    profiles = {}
    for i, printer in enumerate(printers):
        try:
            profiles[printer.profile] = load_profile(printer.profile)
        except ConfigError as exc:
            raise ConfigError(f"{source}: printers[{i}].profile: {exc}") from exc
    spool = _build(SpoolConfig, doc.get("spool", {}), f"{source}: spool")
    config = Config(server=server, printers=printers, profiles=profiles, spool=spool)
    web = _build(WebConfig, doc.get("web", {}), f"{source}: web")
    config = replace(config, web=web)
    config = _with_hotfolders(config, doc.get("hotfolders", []), source)
    config = _with_peers(config, doc.get("peers", []), source)
    archive = _build(ArchiveConfig, doc.get("archive", {}), f"{source}: archive")
    if archive.forward_to and config.peer(archive.forward_to) is None:
        raise ConfigError(
            f"{source}: archive.forward_to: no [[peers]] entry {archive.forward_to!r}"
        )
    _check_archive_retention(archive, f"{source}: archive")
    config = replace(config, archive=archive)
    validate(config, source)
    return config


def _check_archive_retention(archive: ArchiveConfig, where: str) -> None:
    """Sizes and days of the archive's retention may not be negative."""
    for key in ("max_mb", "printed_film_days", "retention_days", "min_free_margin_mb"):
        value = getattr(archive, key)
        if value < 0:
            raise ConfigError(f"{where}.{key}: must be >= 0, not {value}")
    if archive.purge_minutes <= 0:
        raise ConfigError(f"{where}.purge_minutes: must be > 0")


def _with_hotfolders(config: Config, tables: Any, source: str) -> Config:
    """*config* with the ``[[hotfolders]]`` tables and their presets."""
    if not isinstance(tables, list):
        raise ConfigError(f"{source}: hotfolders: expected [[hotfolders]] tables")
    hotfolders = []
    presets = {}
    for i, table in enumerate(tables):
        where = f"{source}: hotfolders[{i}]"
        for key in ("path", "preset"):
            if isinstance(table, dict) and key not in table:
                raise ConfigError(f"{where}.{key}: missing")
        hotfolder = _build(HotFolderConfig, table, where)
        try:
            presets[hotfolder.preset] = load_preset(hotfolder.preset)
        except ConfigError as exc:
            raise ConfigError(f"{where}.preset: {exc}") from exc
        hotfolders.append(hotfolder)
    return replace(config, hotfolders=tuple(hotfolders), presets=presets)


def _with_peers(config: Config, tables: Any, source: str) -> Config:
    """*config* with the ``[[peers]]`` tables, each checked."""
    if not isinstance(tables, list):
        raise ConfigError(f"{source}: peers: expected [[peers]] tables")
    peers: list[PeerConfig] = []
    for i, table in enumerate(tables):
        where = f"{source}: peers[{i}]"
        if isinstance(table, dict) and "ae_title" not in table:
            raise ConfigError(f"{where}.ae_title: missing")
        peer = _build(PeerConfig, table, where)
        if not _is_ae_title(peer.ae_title):
            raise ConfigError(f"{where}.ae_title: invalid AE title {peer.ae_title!r}")
        if any(p.ae_title == peer.ae_title for p in peers):
            raise ConfigError(f"{where}.ae_title: duplicate {peer.ae_title!r}")
        if not 0 < peer.port < 65536:
            raise ConfigError(f"{where}.port: {peer.port} not in 1-65535")
        for permission in peer.permissions:
            if permission not in PEER_PERMISSIONS:
                raise ConfigError(
                    f"{where}.permissions: {permission!r} is not one of "
                    f"{', '.join(PEER_PERMISSIONS)}"
                )
        peers.append(peer)
    return replace(config, peers=tuple(peers))


def _is_ae_title(ae_title: str) -> bool:
    """1-16 printable characters, no backslash (PS3.5 AE VR)."""
    return 0 < len(ae_title) <= 16 and "\\" not in ae_title and ae_title.isprintable()


def validate(config: Config, source: str = "<config>") -> None:
    """Check values that types alone cannot."""
    ae_title = config.server.ae_title
    if not _is_ae_title(ae_title):
        raise ConfigError(f"{source}: server.ae_title: invalid AE title {ae_title!r}")
    if not 0 < config.server.port < 65536:
        raise ConfigError(f"{source}: server.port: {config.server.port} not in 1-65535")
    if config.server.peer_policy not in ("any", "registered"):
        raise ConfigError(
            f"{source}: server.peer_policy: {config.server.peer_policy!r} is not "
            "one of any, registered"
        )
    _validate_tls(config.server, source)
    _validate_limits(config.server, source)
    web = config.web
    if not 0 <= web.port < 65536:
        raise ConfigError(f"{source}: web.port: {web.port} not in 0-65535")
    if web.session_minutes <= 0 or web.refresh_seconds <= 0:
        raise ConfigError(f"{source}: web: session_minutes, refresh_seconds: not > 0")
    names = [p.name for p in config.printers]
    for i, printer in enumerate(config.printers):
        where = f"{source}: printers[{i}]"
        if names.count(printer.name) > 1:
            raise ConfigError(f"{where}.name: duplicate {printer.name!r}")
        _validate_printer(printer, names, where)
    _validate_hotfolders(config, source)
    _validate_outgoing_tls(config, source)


def _validate_outgoing_tls(config: Config, source: str) -> None:
    """A ``dicom`` printer reached over TLS needs ``tls_ca`` to check its
    certificate; our certificate and key, if given, must be files."""
    for i, printer in enumerate(config.printers):
        if printer.kind != "dicom" or not config.printer_tls(printer):
            continue
        server = config.server
        if not server.tls_ca:
            raise ConfigError(
                f"{source}: printers[{i}].tls: needs server.tls_ca to check "
                "the printer's certificate"
            )
        for key in ("tls_ca", "tls_certificate", "tls_key"):
            path = getattr(server, key)
            if path and not Path(path).expanduser().is_file():
                raise ConfigError(f"{source}: server.{key}: no file {path}")


def _validate_tls(server: ServerConfig, source: str) -> None:
    """A TLS port needs its certificate and key, readable."""
    if not server.tls_port:
        return
    where = f"{source}: server"
    if not 0 < server.tls_port < 65536 or server.tls_port == server.port:
        raise ConfigError(f"{where}.tls_port: {server.tls_port} not a free 1-65535")
    files = {"tls_certificate": server.tls_certificate, "tls_key": server.tls_key}
    if server.tls_ca or server.tls_verify_client:
        files["tls_ca"] = server.tls_ca
    for key, path in files.items():
        if not path:
            raise ConfigError(f"{where}.{key}: needed with tls_port")
        if not Path(path).expanduser().is_file():
            raise ConfigError(f"{where}.{key}: no file {path}")


def _validate_limits(server: ServerConfig, source: str) -> None:
    """Image limits must be positive and fit a US value."""
    for key in ("max_image_boxes", "max_image_rows", "max_image_columns"):
        value = getattr(server, key)
        if not 0 < value <= 65535:
            raise ConfigError(f"{source}: server.{key}: {value} not in 1-65535")


def _validate_printer(printer: PrinterConfig, names: list[str], where: str) -> None:
    """Check one printer's values and the keys its kind needs."""
    for key, allowed in _CHOICES.items():
        value = getattr(printer, key)
        values = value if isinstance(value, tuple) else (value,)
        for one in values:
            if one not in allowed:
                raise ConfigError(
                    f"{where}.{key}: {one!r} is not one of {', '.join(allowed)}"
                )
    if printer.kind == "cups" and not printer.queue:
        raise ConfigError(f"{where}.queue: a cups printer needs its queue name")
    if printer.kind == "dicom" and not printer.called_ae:
        raise ConfigError(f"{where}.called_ae: a dicom printer needs its AE title")
    if printer.kind in ("dicom", "socket") and not printer.host:
        raise ConfigError(f"{where}.host: a {printer.kind} printer needs a host")
    if printer.on_error == "fallback" and printer.fallback not in names:
        raise ConfigError(f"{where}.fallback: no printer named {printer.fallback!r}")
    if printer.fallback and printer.fallback == printer.name:
        raise ConfigError(f"{where}.fallback: a printer cannot be its own")
    if printer.retries < 0 or printer.retry_delay < 0 or printer.timeout <= 0:
        raise ConfigError(f"{where}: retries, retry_delay and timeout must be > 0")


def _validate_hotfolders(config: Config, source: str) -> None:
    """Check each hot folder's path, timing, printer and preset."""
    names = {p.name for p in config.printers}
    paths: list[Path] = []
    for i, hotfolder in enumerate(config.hotfolders):
        where = f"{source}: hotfolders[{i}]"
        path = Path(hotfolder.path).expanduser().resolve()
        if not hotfolder.path or path in paths:
            raise ConfigError(f"{where}.path: empty or duplicate {hotfolder.path!r}")
        paths.append(path)
        if not 0 < hotfolder.settle_seconds <= 3600:
            raise ConfigError(
                f"{where}.settle_seconds: {hotfolder.settle_seconds} not in 0-3600"
            )

        preset = config.presets[hotfolder.preset]
        if hotfolder.printer and hotfolder.printer not in names:
            raise ConfigError(f"{where}.printer: no printer {hotfolder.printer!r}")
        if not hotfolder.printer and preset.printer and preset.printer not in names:
            raise ConfigError(
                f"{where}.preset: preset {preset.path}: printer: "
                f"no printer {preset.printer!r}"
            )
        try:
            check_preset(preset, config.profile(config.hotfolder_printer(hotfolder)))
        except ConfigError as exc:
            raise ConfigError(f"{where}.preset: {exc}") from exc


def load_config(path: str | Path | None = None, **overrides: Any) -> Config:
    """Read the configuration file (or the default) and apply overrides.

    Parameters
    ----------
    path : str or Path, optional
        A TOML file; ``None`` uses the embedded default.
    **overrides
        ``ServerConfig`` fields given on the command line; ``None`` values
        are ignored.
    """
    if path is None:
        config = parse_config(DEFAULT_CONFIG_TOML)
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
        config = parse_config(text, str(path))

    given = {k: v for k, v in overrides.items() if v is not None}
    if given:
        config = replace(config, server=replace(config.server, **given))
        validate(config, "command line")
    return config
