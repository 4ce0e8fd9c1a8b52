"""How the process allocates memory: fewer glibc arenas for a small box.

glibc gives each thread that allocates its own arena, and a freed film's
megabytes stay in the arena of the thread that freed them.  A server with
render, compressor and association threads then grows by tens of megabytes
over a few jobs without holding more.  Two arenas keep a job of ten films at
the size of one (``benchmarks/compose.py`` measures it).
"""

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

#: mallopt's parameter number for the arena limit (glibc's M_ARENA_MAX).
_M_ARENA_MAX = -8

ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas; False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):
        logger.debug("no mallopt in %s: malloc arenas left as they are", name)
        return False
    return bool(mallopt(_M_ARENA_MAX, arenas))
