"""A kernel manager with a ceiling, so a flood of visitors cannot exhaust the machine.

Every lesson page a visitor opens starts a Python kernel (about 150 MB here). Voila has no
limit of its own: past the machine's memory the whole site falls over for everyone. With a
ceiling, the visitor beyond it gets a quick "busy, try again" page (HTTP 503, rendered by the
course template's error.html) while everyone already reading carries on. Idle kernels are
reclaimed by the culling settings in voila.json, which frees places again.

With Voila's pre-heated kernels (voila.json: a pool of one executed kernel per lesson, so a
visitor's page is sent at once), the pools count toward the ceiling too. A pool that could not
refill because the site was full hands its next visitor the same "busy" page, and is topped up
again as soon as a kernel is shut down and a place is free.
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

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        result = await super().shutdown_kernel(kernel_id, *args, **kwargs)
        self._refill_pools()
        return result

    def _refill_pools(self) -> None:
        """Top up every pre-heated pool (Voila's VoilaKernelManager, when it wraps this class)
        that lost a kernel to the ceiling; its failed starts are dropped first."""
        for notebook, pool in getattr(self, "_pools", {}).items():
            pool[:] = [
                task
                for task in pool
                if not (task.done() and (task.cancelled() or task.exception()))
            ]
            self.fill_if_needed(notebook_name=notebook)
