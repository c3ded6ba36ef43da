"""The Gradio arena launched on loopback (prevent_thread_lock=True) and driven with gradio_client:
three columns answer at once (one fails with its reason), export, blind battle + vote + leaderboard."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.arena_support import FakeOpenAI, fake_openai  # noqa: F401
from tests.browser_support import free_port


@pytest.fixture(scope="module")
def arena():
    from components.arena_app import demo

    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def text_of(chat: list[dict]) -> list[str]:
    """Chatbot messages as plain strings (gradio 6 sends content as a list of text parts)."""
    out = []
    for message in chat:
        content = message["content"]
        out.append(content if isinstance(content, str) else "".join(p.get("text", "") for p in content))
    return out


def test_three_columns_answer_and_one_shows_its_reason(arena, fake_openai, embedded_model_path):
    from gradio_client import Client

    client = Client(arena, verbose=False)
    endpoint = f"endpoint:{fake_openai.url}#pia-echo"
    result = client.predict(question="How much is the Plus plan?", contestant_1="base", contestant_2=endpoint,
                            contestant_3="openai:gpt-4o-mini", temperature=0, max_tokens=8, api_name="/ask")
    chats, metrics = result[0:3], result[3:6]
    base, echo, missing = (text_of(chat) for chat in chats)
    assert base[0] == echo[0] == missing[0] == "How much is the Plus plan?"
    assert base[1].strip() and not base[1].startswith("⚠️")
    assert echo[1] == " ".join(FakeOpenAI.reply_for("How much is the Plus plan?").split(" ")[:8])  # max 8 tokens
    assert missing[1].startswith("⚠️ No OpenAI API key")
    assert "first token" in metrics[0] and "first token" in metrics[1] and "⚠️ No OpenAI API key" in metrics[2]

    # Multi-turn: the endpoint sees the first exchange as history.
    client.predict(question="And the Pro plan?", contestant_1="", contestant_2=endpoint, contestant_3="",
                   temperature=0, max_tokens=8, api_name="/ask")
    messages = fake_openai.requests[-1]["body"]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]

    # Regenerate: the last turn is asked again, not appended; the base column (not in it) keeps its chat.
    result = client.predict(question="", contestant_1="", contestant_2=endpoint, contestant_3="",
                            temperature=0, max_tokens=8, api_name="/regenerate")
    assert len(text_of(result[1])) == 4 and text_of(result[1])[2] == "And the Pro plan?"
    assert text_of(result[0]) == base
    assert [m["role"] for m in fake_openai.requests[-1]["body"]["messages"]] == ["user", "assistant", "user"]

    exported = Path(client.predict(api_name="/export_html")).read_text(encoding="utf-8")
    assert "And the Pro plan?" in exported and "pia-echo" in exported and "<script" not in exported


def test_blind_battle_vote_reveals_names_and_feeds_the_leaderboard(arena, fake_openai, lab_home):
    from gradio_client import Client

    from core import votes

    client = Client(arena, verbose=False)
    one, two = f"endpoint:{fake_openai.url}#pia-echo", f"endpoint:{fake_openai.url}#needs-key"
    result = client.predict(question="Is there a deposit?", contestant_1=one, contestant_2=two, contestant_3="",
                            blind_mode=True, temperature=0, max_tokens=8, api_name="/ask")
    headers, metrics = result[9:12], result[3:6]
    assert headers[:2] == ("### A", "### B") and headers[2] == ""  # names hidden
    assert "hidden until you vote" in metrics[0]
    revealed = client.predict(api_name="/vote_a")
    stored = votes.list_votes()
    assert len(stored) == 1 and stored[0]["winner"] == "A"
    assert sorted(stored[0]["contestants"].values()) == sorted([one, two])
    assert stored[0]["question"] == "Is there a deposit?"
    assert "A** = `" + stored[0]["contestants"]["A"] in revealed[-1]  # the reveal names who was A
    table, _plot = client.predict(api_name="/leaderboard")
    assert {row[0] for row in table["data"]} == {one, two}
    csv_path = client.predict(api_name="/export_votes")
    assert "Is there a deposit?" in Path(csv_path).read_text(encoding="utf-8")
