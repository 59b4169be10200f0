"""A visitor's browser cannot run code or break a lesson's kernel, whatever it sends.

These tests speak the Jupyter kernel protocol over the same websocket a visitor's page uses,
against the real site started from voila.json (the `site` fixture).
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from tornado.websocket import websocket_connect

SESSION = uuid.uuid4().hex


def message(msg_type: str, content: dict, channel: str = "shell") -> str:
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "username": "visitor",
        "session": SESSION,
        "date": "2026-01-01T00:00:00Z",
        "version": "5.3",
    }
    return json.dumps(
        {
            "header": header,
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": channel,
            "buffers": [],
        }
    )


def is_state(m: dict) -> bool:
    return m["msg_type"] == "comm_msg" and m["content"]["data"].get("method") == "update"


class Kernel:
    """The websocket to one visitor's kernel, with a small request/reply helper."""

    def __init__(self, conn):
        self.conn = conn

    async def send(self, msg_type: str, content: dict) -> None:
        await self.conn.write_message(message(msg_type, content))

    async def replies(self, seconds: float, until=lambda received: False) -> list[dict]:
        """Messages received within ``seconds``, stopping early once ``until(received)``."""
        out = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (left := deadline - loop.time()) > 0:
            try:
                raw = await asyncio.wait_for(self.conn.read_message(), left)
            except TimeoutError:
                break
            if raw is None:
                break
            if isinstance(raw, str):
                out.append(json.loads(raw))
                if until(out):
                    break
        return out

    async def alive(self) -> bool:
        await self.send("kernel_info_request", {})
        got = await self.replies(30, until=lambda r: r[-1]["msg_type"] == "kernel_info_reply")
        return any(m["msg_type"] == "kernel_info_reply" for m in got)

    async def widget_states(self) -> dict[str, dict]:
        await self.send("comm_info_request", {"target_name": "jupyter.widget"})
        got = await self.replies(10, until=lambda r: r[-1]["msg_type"] == "comm_info_reply")
        comms = [m for m in got if m["msg_type"] == "comm_info_reply"][0]["content"]["comms"]
        for comm_id in comms:
            await self.send("comm_msg", {"comm_id": comm_id, "data": {"method": "request_state"}})

        def all_in(received):
            return sum(is_state(m) for m in received) >= len(comms)

        states = {}
        for m in await self.replies(30, until=all_in):
            if is_state(m):
                states[m["content"]["comm_id"]] = m["content"]["data"]["state"]
        return states

    async def update(self, comm_id: str, state: dict) -> None:
        await self.send(
            "comm_msg",
            {"comm_id": comm_id, "data": {"method": "update", "state": state, "buffer_paths": []}},
        )


def run(coroutine) -> None:
    """Run ``coroutine`` to the end on an event loop of its own thread.

    The browser suites' sync Playwright keeps an event loop running on the main thread for
    the whole session, so ``asyncio.run`` there would refuse to start.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()  # re-raises the coroutine's failure


def open_kernel(site: str, lesson: str):
    html = urllib.request.urlopen(f"{site}voila/render/{lesson}", timeout=120).read().decode()
    kernel_id = re.search(r'"kernelId": "([0-9a-f-]+)"', html).group(1)
    url = f"{site.replace('http', 'ws')}api/kernels/{kernel_id}/channels?session_id={SESSION}"
    return websocket_connect(url)


LESSONS_WITH_WIDGETS = sorted(
    p.name
    for p in (Path(__file__).resolve().parent.parent / "lessons").glob("[0-9][0-9]_*.ipynb")
    if any(c["cell_type"] == "code" for c in json.loads(p.read_text())["cells"])
)


def test_an_execute_request_from_a_visitor_is_refused(site, tmp_path):
    marker = tmp_path / "ran"

    async def attempt():
        kernel = Kernel(await open_kernel(site, "01_bowlby.ipynb"))
        await kernel.send(
            "execute_request",
            {
                "code": f"open({str(marker)!r}, 'w').write('x')",
                "silent": False,
                "store_history": False,
                "user_expressions": {},
                "allow_stdin": False,
            },
        )
        replies = await kernel.replies(3)
        assert not any(m["msg_type"] == "execute_reply" for m in replies)
        assert await kernel.alive()
        kernel.conn.close()

    run(attempt())
    assert not marker.exists()


CRAFTED = [
    {"value": "x" * 1_000_000},  # a huge string where a number belongs
    {"value": 1e308},  # far out of range
    {"value": -42},
    {"value": None},
    {"value": [1, 2, 3]},  # wrong type
    {"min": 5, "max": -5},  # impossible bounds
    {"no_such_field": {"deep": [1]}},  # unknown field
    {"description": "<img src=x onerror=alert(1)>"},
]


@pytest.mark.parametrize("lesson", LESSONS_WITH_WIDGETS)
def test_crafted_widget_messages_leave_the_kernel_alive_and_the_lesson_working(site, lesson):
    async def attempt():
        kernel = Kernel(await open_kernel(site, lesson))
        states = await kernel.widget_states()
        controls = {
            cid: s
            for cid, s in states.items()
            if s.get("_model_name", "").endswith(
                (
                    "SliderModel",
                    "CheckboxModel",
                    "RadioButtonsModel",
                    "DropdownModel",
                    "ToggleButtonsModel",
                    "TextareaModel",
                    "TextModel",
                )
            )
        }
        assert controls, "the lesson has controls to attack"
        for comm_id in controls:
            for crafted in CRAFTED:
                await kernel.update(comm_id, crafted)
        assert await kernel.alive()
        # the lesson still answers a legitimate change with new state for its figure/reading
        after = await kernel.widget_states()
        comm_id, state = next(
            (c, s)
            for c, s in after.items()
            if c in controls and s["_model_name"] == "FloatSliderModel"
        )
        assert state["min"] <= state["value"] <= state["max"], "the slider kept a sane state"
        target = state["max"] if state["value"] != state["max"] else state["min"]
        await kernel.update(comm_id, {"value": target})

        def redrawn(received):
            return any(is_state(m) and m["content"]["comm_id"] != comm_id for m in received)

        assert redrawn(await kernel.replies(20, until=redrawn)), "a slider still redraws"
        kernel.conn.close()

    run(attempt())
