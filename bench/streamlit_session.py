"""One Streamlit session spoken over its websocket, without a browser (used by bench_load.py).

Why: a workshop's attendees run their browsers on their own laptops, so what the lab's machine owes
them is the server's side of a page: from the rerun request to the last element and the
`script_finished` message. Eight headless Chromium contexts drawing Plotly on the same 2 cores as the
server measure the browsers as much as the lab. This client sends the same protobuf messages the
Streamlit frontend sends (BackMsg.rerun_script with the page and the widget values) and reads the
ForwardMsgs back, at almost no CPU of its own.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINISHED = ForwardMsg.ScriptFinishedStatus
DONE = (FINISHED.FINISHED_SUCCESSFULLY,)
AGAIN = (FINISHED.FINISHED_EARLY_FOR_RERUN, FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


@dataclass
class Page:
    """What one script run sent: element kinds and their counts, the widgets' ids and options."""
    elements: Counter = field(default_factory=Counter)
    options: dict[str, list[str]] = field(default_factory=dict)  # widget id -> its options (selectboxes)
    errors: list[str] = field(default_factory=list)  # st.exception / compile errors, as text

    def widget(self, key: str) -> str:
        """The id the server gave the widget with this key (ids end in "-<key>")."""
        found = [wid for wid in self.options if wid.endswith("-" + key)]
        if not found:
            raise LookupError(f"no widget with key {key!r} on the page")
        return found[0]


class Session:
    """`async with Session("http://127.0.0.1:8501") as s: page = await s.open("inspector")`."""

    def __init__(self, base_url: str):
        self.url = base_url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
        self._ws = None

    async def __aenter__(self) -> "Session":
        self._ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None, open_timeout=60)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._ws.close()

    async def open(self, page_name: str, strings: dict[str, str] | None = None) -> Page:
        """Run the page's script (page_name "" is the default page) with these string-valued widget
        values (selectbox/radio option labels), and collect what it sends until it has finished."""
        message = BackMsg()
        message.rerun_script.page_name = page_name
        for widget_id, value in (strings or {}).items():
            state = message.rerun_script.widget_states.widgets.add()
            state.id, state.string_value = widget_id, value
        await self._ws.send(message.SerializeToString())
        page = Page()
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(await self._ws.recv())
            kind = reply.WhichOneof("type")
            if kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                element = reply.delta.new_element
                name = element.WhichOneof("type")
                page.elements[name] += 1
                if name == "selectbox":
                    page.options[element.selectbox.id] = list(element.selectbox.options)
                elif name == "exception":
                    page.errors.append(f"{element.exception.type}: {element.exception.message}")
            elif kind == "script_finished":
                if reply.script_finished in DONE:
                    return page
                if reply.script_finished not in AGAIN:
                    page.errors.append(f"script finished with status {reply.script_finished}")
                    return page
