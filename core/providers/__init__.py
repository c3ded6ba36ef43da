"""Chat contestants behind one interface (see base.py): local transformers models with LoRA
adapters, OpenAI / Azure OpenAI / OpenAI-compatible endpoints, and RAG over either.

    from core.providers import ChatSettings, get_provider, collect
    answer = collect(get_provider("base").stream([{"role": "user", "content": "Hi"}], ChatSettings()))
"""
from core.providers.base import Answer, ChatSettings, Provider, StreamItem, collect
from core.providers.parallel import Column, stream_columns
from core.providers.contestants import Contestant, Credentials, check, get_provider, list_contestants

__all__ = ["Answer", "ChatSettings", "Column", "Contestant", "Credentials", "Provider", "StreamItem",
           "check", "collect", "get_provider", "list_contestants", "stream_columns"]
