"""PDF copies of PostScript film jobs, by Ghostscript's pdfwrite device.

Runs the ``gs`` program (Debian package ghostscript).  May import ``errors``;
must not import ``spooler``, ``sop`` or ``scp``.
"""

import os
import shutil
import subprocess
from pathlib import Path

from printserver.errors import RenderError

#: Where the program is looked for; not the caller's PATH.
_GS_SEARCH_PATH = "/usr/bin:/usr/local/bin:/bin"

#: The pdfwrite options that keep every film sample as it is: no
#: downsampling, and Flate instead of the JPEG that pdfwrite picks by default.
_LOSSLESS_IMAGES = [
    f"-d{option}"
    for kind in ("Gray", "Color", "Mono")
    for option in (f"Downsample{kind}Images=false", f"Encode{kind}Images=true")
] + [
    "-dAutoFilterGrayImages=false",
    "-dGrayImageFilter=/FlateEncode",
    "-dAutoFilterColorImages=false",
    "-dColorImageFilter=/FlateEncode",
    "-dPassThroughJPEGImages=false",
]

#: Characters of Ghostscript's output quoted in an error.
_MESSAGE_CHARS = 2000


def write_pdf(ps_path: Path, pdf_path: Path) -> None:
    """Convert a PostScript job to PDF with Ghostscript, losslessly.

    Pages keep the job's media sizes and images keep every sample: nothing is
    downsampled and images are Flate-encoded, never JPEG.  The PDF is written
    under a temporary name and renamed when Ghostscript succeeds.

    Parameters
    ----------
    ps_path : Path
        The PostScript job, e.g. from ``write_postscript``.
    pdf_path : Path
        The PDF to write.

    Raises
    ------
    RenderError
        If Ghostscript is not installed or fails; the message quotes what it
        printed.
    """
    gs = shutil.which("gs", path=_GS_SEARCH_PATH)
    if gs is None:
        raise RenderError("Ghostscript (gs) not found: install the package ghostscript")

    tmp = pdf_path.with_name(f".{pdf_path.name}.tmp")
    command = [
        gs, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite",
        *_LOSSLESS_IMAGES,
        # PostScript errors are printed on stdout; send them to stderr too.
        "-sstdout=%stderr",
        # A % in the name would be taken for a page-number template.
        "-sOutputFile=" + str(tmp).replace("%", "%%"), str(ps_path),
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, check=False
        )
        if done.returncode != 0:
            output = done.stderr.decode(errors="replace").strip()
            raise RenderError(
                f"Ghostscript failed (exit {done.returncode}) converting "
                f"{ps_path} to PDF: {output[-_MESSAGE_CHARS:]}"
            )
        os.replace(tmp, pdf_path)
    finally:
        tmp.unlink(missing_ok=True)
