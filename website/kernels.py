"""A kernel manager with a ceiling, so a flood of visitors cannot exhaust the machine.

Every lesson page a visitor opens starts a Python kernel (about 150 MB here). Voila has no
limit of its own: past the machine's memory the whole site falls over for everyone. With a
ceiling, the visitor beyond it gets a quick "busy, try again" page (HTTP 503, rendered by the
course template's error.html) while everyone already reading carries on. Idle kernels are
reclaimed by the culling settings in voila.json, which frees places again.
"""

from __future__ import annotations

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Int


class CappedKernelManager(AsyncMappingKernelManager):
    """AsyncMappingKernelManager that refuses to start more than ``max_kernels`` kernels."""

    max_kernels = Int(
        60,
        config=True,
        help="Most kernels (visitors with a lesson open) at once; beyond it visitors see a "
        "'busy, try again' page. Measured sizing: benchmarks/README.md.",
    )

    _starting = 0  # kernels asked for but not yet listed: visitors arriving together count too

    async def start_kernel(self, *args, **kwargs):
        if len(self.list_kernel_ids()) + self._starting >= self.max_kernels:
            raise web.HTTPError(
                503, "all %d places are in use", self.max_kernels, reason="The course is busy"
            )
        self._starting += 1
        try:
            return await super().start_kernel(*args, **kwargs)
        finally:
            self._starting -= 1
