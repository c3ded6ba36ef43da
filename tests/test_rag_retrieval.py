"""Retrieval quality on the bundled Pedala documents, and the RAG prompt."""
import pytest

from core.i18n import set_language
from core.rag import Hit, build_rag_messages, get_index, retrieve, sources
from core.rag.documents import bundled_documents
from core.rag.evaluation import flatten, load_questions, recall_at_k
from tests.rag_support import bundled_index_template, install_template

EXPECTED_FILES = {"about.md", "products.md", "plans-and-prices.md", "rentals.md", "returns-and-warranty.md",
                  "theft-and-insurance.md", "delivery-and-payment.md", "maintenance-hubs.md", "privacy.md",
                  "faq.md"}


def bundled_files(lang):
    return {d.name for d in bundled_documents() if d.lang == lang}


@pytest.fixture
def default_index(tmp_path_factory, lab_home):
    install_template(bundled_index_template(tmp_path_factory), lab_home)
    return get_index("default")


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_labelled_questions_point_at_bundled_documents_that_hold_the_answer(lang):
    questions = load_questions(lang)
    assert len(questions) >= 30
    assert {q["expected_doc"] for q in questions} <= EXPECTED_FILES
    assert len({q["question"] for q in questions}) == len(questions)
    held_out = load_questions(lang, "heldout")
    assert len(questions) // 4 <= len(held_out) <= len(questions) // 2  # about a third kept aside
    folder = bundled_documents()[0].path.parent.parent / lang
    for q in questions:  # the label must be true of the documents, or recall measures nothing
        for doc in [q["expected_doc"], *q.get("also_docs", [])]:
            assert flatten(q["answer"]) in flatten((folder / doc).read_text(encoding="utf-8")), (doc, q)


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_the_chunk_holding_the_answer_is_retrieved_in_both_languages(lang, default_index):
    """Issue 11's target: the answer chunk in the top 3 for >= 95 % of the labelled questions and
    first for >= 80 %, in each language (hybrid e5 + BM25 search)."""
    result = recall_at_k(lang, k=3, index=default_index)
    assert default_index.last_sync["embedded"] == 0  # the copied index was reused, not rebuilt
    assert result["n"] >= 30
    assert result["recall"] >= 0.95, result["misses"]
    assert result["top1"] >= 0.80, result
    held_out = recall_at_k(lang, k=3, index=default_index, split="heldout")
    assert held_out["recall"] >= 0.9, held_out["misses"]  # not tuned on these: a looser bar


def test_retrieve_returns_hits_from_the_question_language(default_index):
    if not bundled_files("pt-BR"):
        pytest.skip("bundled pt-BR documents not written yet")
    hits = retrieve("Qual é o endereço do hub de manutenção em Porto Alegre?", k=3, lang="pt-BR")
    assert len(hits) == 3 and all(h.lang == "pt-BR" for h in hits)
    assert any("Andradas" in h.text for h in hits)


HITS = [Hit("bundled/en/rentals.md", "Rentals", "en", 0, "# Rentals\n\nA weekend rental costs R$ 159.", 0.71),
        Hit("uploaded/any/notes.txt", "notes", None, 2, "Deposit: R$ 500, released in 5 business days.", 0.52)]


def test_rag_messages_number_the_sources_before_the_question():
    messages = build_rag_messages("How much is a weekend rental?", HITS, lang="en")
    assert [m["role"] for m in messages] == ["system", "user"]
    user = messages[-1]["content"]
    assert user.index("[1] Rentals") < user.index("[2] notes") < user.index("How much is a weekend rental?")
    assert "A weekend rental costs R$ 159." in user and "Deposit: R$ 500" in user
    assert "# Rentals" not in user  # the heading only repeated the title
    assert "[1]" in user.split("[2] notes")[1]  # the instructions show how to cite


def test_rag_messages_in_portuguese_keep_history_and_custom_system_prompt():
    history = [{"role": "user", "content": "Oi"}, {"role": "assistant", "content": "Olá! Como posso ajudar?"}]
    messages = build_rag_messages("Quanto custa o aluguel?", HITS, lang="pt-BR", system_prompt="Você é a Pia.",
                                  history=history)
    assert messages[0] == {"role": "system", "content": "Você é a Pia."}
    assert messages[1:3] == history
    assert "Fontes" in messages[-1]["content"] and "Pergunta: Quanto custa o aluguel?" in messages[-1]["content"]
    assert build_rag_messages("q", HITS, system_prompt="")[0]["role"] == "user"


def test_rag_messages_follow_the_current_language_and_say_when_nothing_was_found():
    set_language("pt-BR")
    content = build_rag_messages("Tem loja em Recife?", [])[-1]["content"]
    assert "Nenhum documento relevante" in content and "[1]" in content  # still told how to cite


def test_sources_list_documents_and_snippets_for_the_ui():
    listed = sources([HITS[0], Hit("d", "Long", "en", 0, "word " * 200, 0.1)])
    assert [s["n"] for s in listed] == [1, 2]
    assert listed[0]["doc_id"] == "bundled/en/rentals.md" and "R$ 159" in listed[0]["snippet"]
    assert len(listed[1]["snippet"]) <= 241 and listed[1]["snippet"].endswith("…")
    assert all(s["evidence"] is None for s in listed)  # no question: nothing to point at


def test_sources_point_at_the_sentence_that_answers_the_question():
    hits = [Hit("bundled/pt-BR/rentals.md", "Aluguel", "pt-BR", 1,
                "## Caução\n\n- Na retirada, é feita uma **caução de R$ 500** como pré-autorização no cartão.\n"
                "- Depois da devolução, a caução é **liberada em até 5 dias úteis**.\n"
                "- Capacete e cadeado estão incluídos.", 0.8), HITS[1]]
    listed = sources(hits, "qual o valor da caucao?")
    assert listed[0]["evidence"] == "Na retirada, é feita uma caução de R$ 500 como pré-autorização no cartão."
    assert set(listed[1]) == set(listed[0])


def test_snippets_read_as_text_without_heading_marks_or_bold():
    listed = sources([Hit("d", "FAQ", "en", 0, "## FAQ\n### Is there a deposit?\n- Yes, **R$ 500**, pre-authorised.\n"
                              "- Released in 5 days; 3 - 1 = 2 stays.", 0.5)])
    assert listed[0]["snippet"] == "FAQ Is there a deposit? Yes, R$ 500, pre-authorised. Released in 5 days; 3 - 1 = 2 stays."


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_the_question_comes_back_out_of_a_rag_prompt(lang):
    from core.rag.prompt import question_in_prompt

    question = "Quanto custa a diária?" if lang == "pt-BR" else "How much is a day rental?"
    prompt = build_rag_messages(question, HITS, lang=lang)[-1]["content"]
    assert prompt != question and question_in_prompt(prompt) == question
    assert question_in_prompt("Question: how much?") == "Question: how much?"  # not a RAG prompt: as it is
