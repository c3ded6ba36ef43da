from tests.arena_support import fake_openai  # noqa: F401


def test_probe(fake_openai, tmp_path_factory, lab_home):
    from tests.rag_support import bundled_index_template, install_template
    from core.providers import ChatSettings, collect, get_provider
    install_template(bundled_index_template(tmp_path_factory), lab_home)
    endpoint = f"endpoint:{fake_openai.url}#pia-echo"
    answer = collect(get_provider(f"rag:{endpoint}").stream([{"role": "user", "content": "How much does the Pedala Plus plan cost?"}], ChatSettings(max_tokens=8, temperature=0)))
    print("ANSWER", answer)
