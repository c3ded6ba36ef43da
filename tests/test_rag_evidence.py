"""Evidence sentences: split a chunk as a reader sees it, point at the sentence that answers."""
from core.rag import get_index
from core.rag.evaluation import flatten, holds_answer, load_questions
from core.rag.evidence import answer_types, asks_amount, evidence, focus, nearest_sentences, sentences, units
from core.rag.prompt import build_rag_messages
from core.rag.index import Hit
from tests.rag_support import bundled_index_template, install_template

CHUNK = """## Endereços

| Cidade | Endereço |
|---|---|
| Curitiba | Rua XV de Novembro, 1200 |
| São Paulo | Av. Paulista, 2100 — subsolo |

Em São Paulo, o hub fica no **subsolo** do número 2100 da Av. Paulista. Marque pelo app.

- Chegue no horário agendado."""


def test_a_chunk_splits_into_rows_items_and_sentences_with_their_context():
    assert sentences(CHUNK) == ["Curitiba | Rua XV de Novembro, 1200", "São Paulo | Av. Paulista, 2100 — subsolo",
                                "Em São Paulo, o hub fica no subsolo do número 2100 da Av. Paulista.",
                                "Marque pelo app.", "Chegue no horário agendado."]
    context, row = units(CHUNK, "Hubs")[1]
    assert context == "Endereços. Cidade | Endereço" and row.startswith("São Paulo")  # header row kept as context
    assert units("Sem título nenhum.", "Hubs") == [("Hubs", "Sem título nenhum.")]
    assert sentences("") == []


def test_questions_that_ask_for_an_amount_are_recognised_in_both_languages():
    assert asks_amount("How much is a day rental?") and asks_amount("qto custa a diária?")
    assert not asks_amount("Where is the hub?") and not asks_amount("Como agendo uma visita?")


def test_evidence_points_at_the_row_that_answers_and_nothing_for_an_empty_question():
    assert evidence("qual o endereço em são paulo?", [CHUNK], ["Hubs"]) == ["São Paulo | Av. Paulista, 2100 — subsolo"]
    assert evidence("  ", [CHUNK]) == [None]
    short = nearest_sentences("qual o endereço em são paulo?", [CHUNK], 2)[0]
    assert "Av. Paulista, 2100" in short and "Chegue" not in short


def test_the_prompt_can_carry_only_the_sentences_nearest_the_question():
    hit = Hit("bundled/pt-BR/maintenance-hubs.md", "Hubs de manutenção", "pt-BR", 0, CHUNK, 0.8)
    full = build_rag_messages("qual o endereço em são paulo?", [hit], lang="pt-BR")[-1]["content"]
    short = build_rag_messages("qual o endereço em são paulo?", [hit], lang="pt-BR", max_sentences=1)[-1]["content"]
    assert "Chegue no horário" in full and "Chegue no horário" not in short
    assert "Av. Paulista, 2100" in short and "[1] Hubs de manutenção" in short


def test_the_evidence_sentence_holds_the_labelled_answer_for_most_questions(tmp_path_factory, lab_home):
    """On the held-out labelled questions, the evidence of the first retrieved chunk that holds the
    answer contains that answer for most of them (measured: see bench/bench_rag.py)."""
    install_template(bundled_index_template(tmp_path_factory), lab_home)
    index = get_index("default")
    for lang in ("en", "pt-BR"):
        questions = load_questions(lang, "heldout")
        found = shown = 0
        for q, hits in zip(questions, index.search_many([q["question"] for q in questions], k=3, lang=lang)):
            good = [h for h in hits if holds_answer(q, h.doc_id, h.text)]
            if not good:
                continue
            proof = evidence(q["question"], [good[0].text], [good[0].title])[0]
            shown += 1
            found += proof is not None and flatten(q["answer"]) in flatten(proof)
        assert shown >= 0.9 * len(questions) and found >= 0.6 * shown, (lang, found, shown)


def test_the_kind_of_value_asked_is_recognised_and_favours_sentences_that_hold_it():
    assert [p.pattern for p in answer_types("How heavy is the Dobrável?")] == [r"\d\s?kg\b"]
    assert answer_types("Qual o e-mail do suporte?") and not answer_types("Do you like bikes?")
    specs = ("The Dobrável is the lightest of our bikes to carry and store. "
             "It folds in ten seconds. Weight: 16 kg with the battery.")
    # "lightest ... carry" shares more words with the question; the kg sentence holds the answer
    assert focus("How heavy is the Dobrável to carry?", [specs], 1, ["Dobrável"]) == [(0, "Weight: 16 kg with the battery.")]


def test_focus_picks_across_chunks_best_first_and_shows_a_repeated_sentence_once():
    chunks = ["Day rental: R$ 89 for 24 hours. Helmets are included.",
              "Weekend rental: R$ 159. Day rental: R$ 89 for 24 hours.",
              "Our hubs open at 8:00."]
    picked = focus("How much is a day rental?", chunks, 3)
    assert picked[0] == (0, "Day rental: R$ 89 for 24 hours.")  # the first chunk's copy wins the tie
    assert [sentence for _, sentence in picked].count("Day rental: R$ 89 for 24 hours.") == 1
    assert len(picked) == 3 and all(0 <= rank < 3 for rank, _ in picked)
