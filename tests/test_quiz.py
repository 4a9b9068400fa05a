"""Quiz banks, computed answers, grading and exam drawing.

Computed answers are checked against calculations written here from scratch
(parameter formulas, brute-force CTC over every path, collapse by hand), never
against the functions that computed them.
"""

import math
from collections import Counter

import numpy as np
import pytest
import yaml
from ctc_reference import brute_force_probs, collapse

from kerasbook.chapters.ch07_crnn import Config
from kerasbook.data import captcha as cap
from kerasbook.quiz import bank as bank_mod
from kerasbook.quiz import exam as exam_mod
from kerasbook.quiz import grading
from kerasbook.quiz.schema import EXAM_SHAPE, LETTERS, SECTIONS, Bank


@pytest.fixture(scope="module")
def banks():
    return bank_mod.load_banks()


@pytest.fixture(scope="module")
def ch07(banks):
    return banks["ch07"]


def _raw_ch07():
    return yaml.safe_load(bank_mod.bank_files()["ch07"].read_text(encoding="utf-8"))


# -- the banks ---------------------------------------------------------------------

def test_every_bank_loads_and_matches_the_schema(banks):
    assert "ch07" in banks
    for key, bank in banks.items():
        assert bank.chapter == key
        again = Bank.model_validate(yaml.safe_load(bank_mod.bank_files()[key].read_text(encoding="utf-8")))
        assert [q.id for q in again.questions] == [q.id for q in bank.questions]


def test_every_bank_can_fill_an_exam_on_its_own(banks):
    for bank in banks.values():
        assert len(bank.questions) >= 30
        types = {q.type for q in bank.questions}
        assert types == {"single", "multiple", "short", "numeric", "code", "essay"}
        for section, need in EXAM_SHAPE.items():
            assert sum(q.section == section for q in bank.questions) >= need, section


def test_ch07_covers_every_section_of_its_page(ch07):
    docs = bank_mod.docs_dir()
    wanted = {"gru-two-gates-and-one-state", "the-crnn-pipeline", "ctc-training-without-alignments",
              "greedy-vs-beam-decoding", "where-crnn-ctc-is-used", "the-data", "running-it", "results",
              "speed-xla-or-not", "glossary"}
    linked = {q.anchor for q in ch07.questions}
    # Sub-sections count for the section they belong to.
    parents = {"gru-next-to-the-lstm": "gru-two-gates-and-one-state", "the-residual-block": "the-crnn-pipeline",
               "the-blank-and-the-collapse-rule": "ctc-training-without-alignments",
               "summing-over-alignments": "ctc-training-without-alignments",
               "the-forward-recursion": "ctc-training-without-alignments",
               "our-implementation": "ctc-training-without-alignments"}
    assert wanted <= {parents.get(a, a) for a in linked}
    if docs is not None:
        assert linked <= bank_mod.page_anchors(docs / "ch07_crnn.md")


def test_questions_have_both_languages_and_distinct_texts(ch07):
    for q in ch07.questions:
        assert q.prompt.en != q.prompt.ko, q.id
        assert any("\uac00" <= ch <= "\ud7a3" for ch in q.prompt.ko), f"{q.id}: the Korean prompt has no Hangul"
        assert any("\uac00" <= ch <= "\ud7a3" for ch in q.explanation.ko), q.id
    prompts = [q.prompt.en for q in ch07.questions]
    assert len(set(prompts)) == len(prompts)


def test_validate_finds_no_problems(banks):
    problems, notes = bank_mod.validate(banks)
    assert problems == []


def test_code_snippets_come_from_the_source_and_do_not_give_the_answer_away(ch07):
    from pathlib import Path

    import kerasbook

    root = Path(kerasbook.__file__).parent
    sources = {"kerasbook.chapters.ch07_crnn": root / "chapters" / "ch07_crnn.py",
               "kerasbook.layers.ctc": root / "layers" / "ctc.py",
               "kerasbook.layers.recurrent": root / "layers" / "recurrent.py"}
    code = [q for q in ch07.questions if q.type == "code"]
    assert len(code) >= 3
    for q in code:
        text = sources[q.code.module].read_text(encoding="utf-8")
        for line in q.snippet.splitlines():
            assert line.strip() in text, (q.id, line)
        resolved = bank_mod.resolve(q)
        assert grading.normalise(resolved.answer) not in grading.normalise(q.snippet), q.id
        if q.code.strip_comments:
            assert "#" not in q.snippet, q.id


# -- bad banks are refused with a clear reason ------------------------------------

GOOD = {
    "chapter": "ch99",
    "title": {"en": "Test", "ko": "시험"},
    "page": "ch99.md",
    "questions": [{
        "id": "ch99-one", "type": "single", "tags": ["t"], "link": "ch99.md#one",
        "prompt": {"en": "Pick A.", "ko": "A를 고르시오."},
        "choices": [{"en": "a", "ko": "가"}, {"en": "b", "ko": "나"}],
        "answer": "A",
        "explanation": {"en": "A is right.", "ko": "A가 맞다."},
    }],
}


def _bad(change):
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    change(data["questions"][0], data)
    with pytest.raises(bank_mod.BankError) as err:
        bank_mod.parse_bank(yaml.safe_dump(data, allow_unicode=True), "ch99.yaml")
    return " | ".join(err.value.problems)


def test_a_good_bank_parses():
    bank = bank_mod.parse_bank(yaml.safe_dump(GOOD, allow_unicode=True), "ch99.yaml")
    assert bank.questions[0].answer_indices == [0]


@pytest.mark.parametrize("change, message", [
    (lambda q, d: q.update(answer="C"), "not among the choices"),
    (lambda q, d: q["prompt"].pop("ko"), "prompt.ko"),
    (lambda q, d: q["prompt"].update(ko="   "), "blank"),
    (lambda q, d: q.update(link="ch99.md"), "link"),
    (lambda q, d: q.update(compute="ch07.time_steps"), "not both"),
    (lambda q, d: q.pop("answer"), "answer"),
    (lambda q, d: q.update(type="essay", answer={"en": "x", "ko": "엑스"}), "rubric"),
    (lambda q, d: q.update(type="riddle"), "type"),
    (lambda q, d: q.update(tags=[]), "tags"),
    (lambda q, d: d["questions"].append(dict(q)), "duplicate question ids: ch99-one"),
    (lambda q, d: q.update(id="ch07-one"), "must start with 'ch99-'"),
    (lambda q, d: q.update(colour="red"), "colour"),
    (lambda q, d: (q.pop("choices"), q.update(type="code", answer="x", code={"module": "kerasbook.layers.ctc",
                                                                             "marker": "nowhere"})),
     "marker [start:nowhere]"),
])
def test_a_bad_bank_is_refused_with_the_reason(change, message):
    problems = _bad(change)
    assert message in problems
    assert problems.startswith("ch99.yaml")


def test_broken_yaml_names_the_line():
    with pytest.raises(bank_mod.BankError, match=r"ch99.yaml: line \d+ not valid YAML"):
        bank_mod.parse_bank("chapter: ch99\nquestions: [\n", "ch99.yaml")


def test_validate_reports_links_that_do_not_resolve(ch07, tmp_path):
    (tmp_path / "ch07_crnn.md").write_text("# Title\n\n## Only this { #only-this }\n", encoding="utf-8")
    problems, _ = bank_mod.validate({"ch07": ch07}, docs=tmp_path)
    assert any("no section #the-crnn-pipeline on ch07_crnn.md" in p for p in problems)


# -- computed answers against independent calculations --------------------------

def _path_text(path):
    ids = [0 if c == "_" else cap.ALPHABET.index(c) + 1 for c in path]
    return cap.decode(collapse(ids))


def _shape(*dims):
    return "(B, " + ", ".join(map(str, dims)) + ")"


CFG = Config()
STEM, W1, W2, W3 = CFG.widths
U = CFG.rnn_units


def _gru_params(units, inputs):
    # Keras' GRU with reset_after=True: three blocks, each an input matrix, a
    # recurrent matrix and two bias vectors.
    return 3 * (inputs * units + units * units + 2 * units)


def _block_params(cin, f, projected):
    bn = 4 * f                       # gamma, beta, moving mean, moving variance
    return 9 * cin * f + 9 * f * f + 2 * bn + ((cin * f + bn) if projected else 0)


LAYER_PARAMS = {
    "bigru1": 2 * _gru_params(U, U),
    "bigru2": 2 * _gru_params(U, 2 * U),
    "res1": _block_params(STEM, W1, projected=True),
    "res2": _block_params(W1, W2, projected=True),
    "res3": _block_params(W2, W3, projected=True),
    "stem_conv": 9 * 1 * STEM,
    "column_proj": (cap.HEIGHT // 16) * W3 * U + U,
    "logits": 2 * U * (len(cap.ALPHABET) + 1) + len(cap.ALPHABET) + 1,
}
T = cap.WIDTH // 8                   # stem, res1 and res2 halve the width; res3 keeps it
SHAPES = {
    "res1": _shape(cap.HEIGHT // 4, cap.WIDTH // 4, W1),
    "res2": _shape(cap.HEIGHT // 8, T, W2),
    "res3": _shape(cap.HEIGHT // 16, T, W3),
    "to_sequence": _shape(T, (cap.HEIGHT // 16) * W3),
    "bigru2": _shape(T, 2 * U),
    "logits": _shape(T, len(cap.ALPHABET) + 1),
}


def _receptive_field_width():
    # (kernel, stride) along the width: stem, then conv1/conv2 of res1, res2, res3.
    field, jump = 1, 1
    for k, s in [(3, 2), (3, 2), (3, 1), (3, 2), (3, 1), (3, 1), (3, 1)]:
        field += (k - 1) * jump
        jump *= s
    return field


def _min_steps(text):
    return len(text) + sum(a == b for a, b in zip(text, text[1:]))


def _greedy_ids(ids, classes):
    kept = list(collapse(ids))
    return "[" + ", ".join(map(str, kept + [-1] * (len(ids) - len(kept)))) + "]"


def _best_path_text(probs):
    path = [max(range(len(p)), key=lambda k: p[k]) for p in probs]
    return cap.decode(collapse(path)) or "(empty)"


def _best_text(probs):
    totals = brute_force_probs(probs)
    return cap.decode(max(totals, key=totals.get)) or "(empty)"


ORACLE = {
    "ch07.layer_params": lambda q, layer, direction=None: LAYER_PARAMS[layer],
    "ch07.rnn_params": lambda q, kind, units, inputs: {"gru": _gru_params, "lstm": lambda u, i: 4 * (i * u + u * u + u)}[kind](units, inputs),
    "ch07.output_shape": lambda q, layer: SHAPES[layer],
    "ch07.time_steps": lambda q: T,
    "ch07.num_classes": lambda q: len(cap.ALPHABET) + 1,
    "ch07.receptive_field": lambda q, axis: {"width": _receptive_field_width()}[axis],
    "ch07.ctc_probability": lambda q, probs, label: brute_force_probs(probs)[tuple(label)],
    "ch07.ctc_loss": lambda q, probs, label: -math.log(brute_force_probs(probs)[tuple(label)]),
    "ch07.min_steps": lambda q, text: _min_steps(text),
    "ch07.greedy_ids": lambda q, ids, classes: _greedy_ids(ids, classes),
    "ch07.greedy_from_probs": lambda q, probs: _best_path_text(probs),
    "ch07.beam_text": lambda q, probs, beam_width: _best_text(probs),
    "ch07.greedy_text": lambda q, path: _path_text(path) or "(empty)",
    "ch07.ink": lambda q, pixel: 1 - pixel / 255,
    "ch07.paths_collapsing_to": lambda q, target: [LETTERS[i] for i, c in enumerate(q.choices)
                                                   if _path_text(c.en.strip("`")) == target],
    "ch07.gate_gru_params": lambda q, units, inputs: _gru_params(units, inputs),
    # h_t = z h_{t-1} + (1 - z) g in Keras' convention; the notes' z is Keras' 1 - z.
    "ch07.gru_mix": lambda q, z, h_prev, candidate, convention="keras": (
        (z if convention == "keras" else 1 - z) * h_prev + (1 - (z if convention == "keras" else 1 - z)) * candidate),
    "ch07.keras_gru_shape": lambda q, units, inputs, weight: {
        "kernel": (inputs, 3 * units), "recurrent_kernel": (units, 3 * units), "bias": (2, 3 * units)}[weight],
}


def test_the_oracle_knows_the_course_numbers():
    # The worked examples of the course, as the chapter page states them.
    assert brute_force_probs([[0.1, 0.4, 0.5]] * 2)[(1,)] == pytest.approx(0.24)
    assert brute_force_probs([[0.6, 0.4]] * 2)[(1,)] == pytest.approx(0.64)
    assert 2 * _gru_params(128, 128) == 198_144
    assert _gru_params(128, 128) == 99_072
    assert _receptive_field_width() == 71
    assert _min_steps("aaaaa") == 9


def test_computed_answers_match_independent_calculations(ch07):
    computed = [q for q in ch07.questions if q.compute is not None]
    assert len(computed) >= 10
    for q in computed:
        assert q.compute.fn in ORACLE, f"{q.id}: no independent calculation for {q.compute.fn}"
        expected = ORACLE[q.compute.fn](q, **q.compute.args)
        got = bank_mod.resolve(q)
        if q.type == "numeric":
            assert got.answer == pytest.approx(expected, rel=1e-5, abs=1e-6), q.id
        elif q.type in ("single", "multiple"):
            assert got.answer == (expected[0] if q.type == "single" else expected), q.id
        else:
            assert grading.grade(got, str(expected)).verdict == "right", (q.id, got.answer, expected)
        assert "{answer}" not in got.explanation.en + got.explanation.ko, q.id


def test_computed_answers_are_filled_into_explanations(ch07):
    q = bank_mod.resolve(ch07.by_id()["ch07-ctc-worked-example"])
    assert "P(\"a\") = 0.24" in q.explanation.en
    q = bank_mod.resolve(ch07.by_id()["ch07-bigru1-params"])
    assert "198,144" in q.explanation.en


# -- grading one answer ------------------------------------------------------------

@pytest.fixture(scope="module")
def q(ch07):
    return lambda qid: bank_mod.resolve(ch07.by_id()[qid])


def assert_verdict(question, verdict, *answers):
    """Every one of `answers` to `question` gets `verdict` ("right", "wrong", "partial", "unanswered")."""
    for said in answers:
        assert grading.grade(question, said).verdict == verdict, said


def test_single_choice(q):
    one = q("ch07-gru-state-count")          # B
    assert_verdict(one, "right", "B", "b)", "One: the hidden state h_t")
    assert_verdict(one, "wrong", "A", "A, B")
    assert_verdict(one, "unanswered", "", None)


def test_multiple_choice_gives_partial_credit(q):
    many = q("ch07-applications")            # A, B, D, F
    assert grading.grade(many, ["A", "B", "D", "F"]).points == 1
    assert grading.grade(many, "f d b a").points == 1
    half = grading.grade(many, "A, B")
    assert (half.verdict, half.points) == ("partial", 0.5)
    mixed = grading.grade(many, "A B D C")   # 3 right, 1 wrong
    assert mixed.points == pytest.approx(0.5)
    assert grading.grade(many, "C, E").verdict == "wrong"
    assert grading.grade(many, "A C E").points == 0     # never below zero


def test_numeric_within_and_outside_tolerance(q):
    p = q("ch07-ctc-worked-example")         # 0.24 +- 0.005
    assert_verdict(p, "right", "0.24", "0.243", "24%", "≈ 0.2401")
    assert_verdict(p, "wrong", "0.25", "0.16", "about a quarter")
    exact = q("ch07-bigru1-params")          # an exact count
    assert_verdict(exact, "right", "198,144", 198144)
    assert_verdict(exact, "wrong", "198145")


def test_short_and_code_answers_accept_variants(q):
    blank = q("ch07-blank-between")
    assert_verdict(blank, "right", "blank", "a blank", "The blank.", "_", "공백", "BLANK TOKEN")
    assert_verdict(blank, "wrong", "space")
    shape = q("ch07-code-to-sequence")
    assert_verdict(shape, "right", "(B, 16, 384)", "(None, 16, 384)", "16 x 384", "(16,384)", "b,16,384")
    assert_verdict(shape, "wrong", "(B, 3, 16, 128)")
    empty = q("ch07-greedy-example")
    assert_verdict(empty, "right", "empty string", "빈 문자열")
    assert_verdict(empty, "wrong", "a")


def test_essays_score_only_by_the_students_own_marks(q):
    essay = q("ch07-essay-gru-equations")
    n = len(essay.rubric)
    assert_verdict(essay, "right", {"text": "...", "points": n}, {"text": "...", "covered": ["yes"] * n},
                   {"text": "...", "covered": {f"p{i + 1}": True for i in range(n)}})
    assert grading.grade(essay, {"text": "...", "points": n / 2}).points == pytest.approx(0.5)
    half = {"text": "...", "covered": ["yes", "no"] + [""] * (n - 2)}
    # O and X as Korean sheets mark them: one point made, the rest not.
    assert grading.grade(essay, {"text": "...", "covered": ["O"] + ["X"] * (n - 1)}).points == pytest.approx(1 / n)
    assert grading.grade(essay, half).points == pytest.approx(1 / n)
    # Not yet compared with the rubric: pending and no points, however well (or badly) it reads.
    inverted = ("The update gate is a tanh that adds the inputs; the reset gate is a ReLU that erases the "
                "output; the candidate is a sigmoid; h_t is the product of both gates.")
    keywords = " ".join(k for p in essay.rubric for k in p.keywords)
    for unmarked in (essay.answer.en, essay.answer.ko, inverted, keywords, "I do not know.",
                     {"text": inverted, "covered": ["", ""]}):
        score = grading.grade(essay, unmarked)
        assert (score.verdict, score.points) == ("pending", 0.0), unmarked
    assert "mentions key terms of" in grading.grade(essay, keywords).detail
    for bad in ({"text": "...", "points": n + 1}, {"text": "...", "covered": ["maybe"]}):
        assert (grading.grade(essay, bad).verdict, grading.grade(essay, bad).points) == ("pending", 0.0)


def test_written_answers_read_hedges_fractions_and_shapes():
    assert grading.parse_number("약 28.44") == pytest.approx(28.44)
    assert grading.parse_number("about 0.24") == pytest.approx(0.24)
    assert grading.parse_number("1/1024") == pytest.approx(1 / 1024)
    assert grading.parse_number("2^-10") == pytest.approx(1 / 1024)
    assert grading.parse_number("1/0") is None and grading.parse_number("a/b") is None
    assert grading.parse_shape("(배치, 6, 6, 8)") == grading.parse_shape("(None, 6, 6, 8)") == "B,6,6,8"
    assert grading.parse_shape("B×784") == grading.parse_shape("(batch, 784)") == "B,784"
    assert grading.parse_shape("198,144") is None           # a number, not a shape
    assert grading.parse_shape("(6, 6, 8)") != grading.parse_shape("(B, 6, 6, 8)")
    # Latin keywords match whole words only; Korean ones take particles.
    assert not grading.keyword_in("all", "small batches")
    assert grading.keyword_in("all", "all of them") and grading.keyword_in("gradient", "gradients vanish")
    assert grading.keyword_in("학습률", "학습률을 낮춘다")


# -- drawing exams --------------------------------------------------------------------

def _copy_bank(raw, chapter, keep=None):
    """The ch07 bank's questions under another chapter's name (for multi-chapter draws)."""
    data = yaml.safe_load(yaml.safe_dump(raw))
    data["chapter"] = chapter
    data["questions"] = [dict(q, id=q["id"].replace("ch07-", f"{chapter}-", 1)) for q in data["questions"]
                         if keep is None or keep(q)]
    return bank_mod.parse_bank(yaml.safe_dump(data, allow_unicode=True), f"{chapter}.yaml")


@pytest.mark.parametrize("seed", [0, 1, 2, 7, 42, 2024])
def test_an_exam_from_one_chapter_has_the_course_shape(banks, seed):
    exam = exam_mod.draw(banks, "ch07", seed)
    ids = [q.id for q in exam.questions]
    assert len(ids) == 30 and len(set(ids)) == 30
    sections = [q.section for q in exam.questions]
    assert {s: sections.count(s) for s in SECTIONS} == EXAM_SHAPE
    assert sections == sorted(sections, key=SECTIONS.index)          # section by section
    assert [q.id for q in exam_mod.draw(banks, "7", seed).questions] == ids   # same seed, same exam


def test_different_seeds_draw_different_exams(banks):
    draws = {tuple(q.id for q in exam_mod.draw(banks, "ch07", s).questions) for s in range(6)}
    assert len(draws) == 6


def test_a_draw_spreads_over_the_page_sections(banks):
    exam = exam_mod.draw(banks, "ch07", 3)
    mc = [q for q in exam.questions if q.section == "multiple_choice"]
    assert len({q.anchor for q in mc}) >= 8


@pytest.mark.parametrize("seed", [0, 5, 11])
def test_an_exam_is_balanced_across_chapters(seed):
    raw = _raw_ch07()
    banks = {c: _copy_bank(raw, c) for c in ("ch05", "ch06", "ch07")}
    exam = exam_mod.draw(banks, "ch05,ch06,ch07", seed)
    assert len({q.id for q in exam.questions}) == 30
    for section, need in EXAM_SHAPE.items():
        per = [sum(q.section == section and q.chapter == c for q in exam.questions) for c in banks]
        assert sum(per) == need and max(per) - min(per) <= 1, (section, per)


def test_a_chapter_that_runs_dry_is_filled_in_by_the_others():
    raw = _raw_ch07()
    first_essay = next(q["id"] for q in raw["questions"] if q["type"] == "essay")
    banks = {"ch06": _copy_bank(raw, "ch06", keep=lambda q: q["type"] != "essay" or q["id"] == first_essay),
             "ch07": _copy_bank(raw, "ch07")}
    exam = exam_mod.draw(banks, "ch06,ch07", 1)
    essays = [q.chapter for q in exam.questions if q.section == "essay"]
    assert essays.count("ch06") == 1 and essays.count("ch07") == 6


def test_a_range_without_enough_questions_says_how_many_are_missing(banks):
    only_ch07 = {"ch07": banks["ch07"]}
    with pytest.raises(exam_mod.ShortageError) as err:
        exam_mod.draw(only_ch07, "midterm", 0)
    message = str(err.value)
    # The midterm is ch02-ch07: ch07 may fill only its sixth of each section.
    assert "24 of 30 missing" in message and "10 multiple choice, 9 short answer and 5 essay" in message
    assert "no bank yet for ch02, ch03, ch04, ch05, ch06" in message
    assert "\n" not in message
    with pytest.raises(exam_mod.ShortageError, match="30 of 30 missing"):
        exam_mod.draw(only_ch07, "final", 0)
    raw = _raw_ch07()
    one_essay = next(q["id"] for q in raw["questions"] if q["type"] == "essay" and "tool" not in q["tags"])
    small = {"ch07": _copy_bank(raw, "ch07", keep=lambda q: q["type"] != "essay" or q["id"] == one_essay)}
    with pytest.raises(exam_mod.ShortageError, match=r"6 of 30 missing \(6 essay\)"):
        exam_mod.draw(small, "ch07", 0)


def test_redraw_finds_the_same_exam_or_uses_the_sheets_list(banks):
    exam = exam_mod.draw(banks, "ch07", 9)
    ids = [q.id for q in exam.questions]
    again, same = exam_mod.redraw(banks, "ch07", 9, ids)
    assert same and [q.id for q in again.questions] == ids
    listed = ids[::-1]
    other, same = exam_mod.redraw(banks, "ch07", 9, listed)
    assert not same and sorted(q.id for q in other.questions) == sorted(ids)
    with pytest.raises(ValueError, match="ch07-nope"):
        exam_mod.redraw(banks, "ch07", 9, ids[:-1] + ["ch07-nope"])


def check_term_exam(banks, term, chapters, shape):
    """The `term` exam ("midterm", "final") with seed 0: 30 questions in `shape` (per section), drawn from every
    one of `chapters` and evenly within each section; the same seed draws it again, another seed does not."""
    exam = exam_mod.draw(banks, term, 0)
    assert exam.without_bank == [] and len(exam.questions) == 30
    by_section = {}
    for q in exam.questions:
        by_section.setdefault(q.section, []).append(q.chapter)
    assert {s: len(c) for s, c in by_section.items()} == shape
    assert {q.chapter for q in exam.questions} == set(chapters)
    for drawn in by_section.values():
        counts = [drawn.count(c) for c in chapters]
        assert max(counts) - min(counts) <= 1, drawn
    assert [q.id for q in exam_mod.draw(banks, term, 0).questions] == [q.id for q in exam.questions]
    assert [q.id for q in exam_mod.draw(banks, term, 1).questions] != [q.id for q in exam.questions]
    return exam


def test_the_midterm_covers_every_chapter_of_weeks_1_to_7_evenly(banks):
    check_term_exam(banks, "midterm", exam_mod.MIDTERM, {"multiple_choice": 12, "short_answer": 11, "essay": 7})


# Chapter 12 by hand: softmax and scores in NumPy, parameter formulas, counting n-grams.
def _ch12_attend(kind, query, keys, part="weights", index=0, values=None, w=None, w_query=None, w_key=None, v=None,
                 value_mask=None):
    q, k = np.array(query, float), np.array(keys, float)
    if kind == "dot":
        scores = k @ q
    elif kind == "general":
        scores = k @ (q @ np.array(w, float))                          # q W k for every key
    else:
        scores = np.tanh(q @ np.array(w_query, float) + k @ np.array(w_key, float)) @ np.array(v, float)
    if value_mask is not None:
        scores = np.where(value_mask, scores, -np.inf)
    weights = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    return float((weights if part == "weights" else weights @ (k if values is None else np.array(values)))[index])


def _ch12_params(kind, source_vocab, target_vocab, layer=None, units=128, embed=64):
    # Config() has units 128 and embed 64; GRU: 3 blocks with two biases, LSTM: 4 gates with one.
    if kind == "lstm_general":
        rnn = 4 * (embed * units + units * units + units)
    else:
        rnn = 3 * (embed * units + units * units + 2 * units)
    sizes = {"source_embedding": source_vocab * embed, "target_embedding": target_vocab * embed,
             "encoder": rnn, "decoder": rnn, "logits": units * target_vocab + target_vocab}
    if kind != "plain":
        sizes["attention"] = 2 * units * units + units if kind == "gru_additive" else units * units
        sizes["attentional"] = 2 * units * units + units
    return sizes[layer] if layer else sum(sizes.values())


def _ch12_bigrams(corpus):
    pairs, contexts = Counter(), Counter()
    for s in corpus:
        tokens = ["<s>"] + s.split() + ["</s>"]
        for a, b in zip(tokens, tokens[1:]):
            pairs[(a, b)] += 1
            contexts[a] += 1
    return pairs, contexts, len({w for s in corpus for w in s.split()}) + 2     # the words, </s> and <unk>


def _ch12_bigram_prob(corpus, word, context, smoothing="add-k", k=1.0, discount=0.75, n=2):
    pairs, contexts, vocab = _ch12_bigrams(corpus)
    c = context[-1]
    if smoothing == "add-k":
        return (pairs[(c, word)] + k) / (contexts[c] + k * vocab)
    followers = len({b for a, b in pairs if a == c})
    continuation = (len({a for a, b in pairs if b == word}) + 1 / vocab) / (len(pairs) + 1)
    return max(pairs[(c, word)] - discount, 0) / contexts[c] + discount * followers / contexts[c] * continuation


def _ch12_bigram_perplexity(corpus, test, **kwargs):
    logs = [math.log(_ch12_bigram_prob(corpus, b, [a], **kwargs))
            for s in test for a, b in zip(["<s>"] + s.split(), s.split() + ["</s>"])]
    return math.exp(-sum(logs) / len(logs))


def _ch12_bleu(references, hypotheses):
    matches, totals, r, c = [0] * 4, [0] * 4, 0, 0
    for ref, hyp in zip(references, hypotheses):
        ref, hyp = ref.split(), hyp.split()
        r, c = r + len(ref), c + len(hyp)
        for n in range(1, 5):
            ref_grams = Counter(tuple(ref[i:i + n]) for i in range(len(ref) - n + 1))
            hyp_grams = Counter(tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1))
            matches[n - 1] += sum(min(count, ref_grams[g]) for g, count in hyp_grams.items())   # clipped
            totals[n - 1] += sum(hyp_grams.values())
    brevity = 1.0 if c > r else math.exp(1 - r / c)
    return 100 * brevity * math.exp(sum(math.log(m / t) for m, t in zip(matches, totals)) / 4)


def _ch12_skipgram_pairs(sentences, window):
    return sum(min(i, window) + min(len(s.split()) - 1 - i, window) for s in sentences for i in range(len(s.split())))


def _ch12_cosine(vectors, a, b):
    x, y = np.array(vectors[a], float), np.array(vectors[b], float)
    return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))


def _ch09_components(rows, connectivity=2, part="count", cls=None):
    # Flood fill, one class at a time, classes in increasing order.
    grid = [[int(v) for v in row.split()] for row in rows]
    steps = [(-1, 0), (1, 0), (0, -1), (0, 1)] + ([(-1, -1), (-1, 1), (1, -1), (1, 1)] if connectivity == 2 else [])
    seen, classes = set(), []
    for k in sorted({v for row in grid for v in row if v > 0}):
        for r0, c0 in ((r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if v == k):
            if (r0, c0) in seen:
                continue
            classes.append(k)
            stack = [(r0, c0)]
            seen.add((r0, c0))
            while stack:
                r, c = stack.pop()
                for dr, dc in steps:
                    nr, nc = r + dr, c + dc
                    if 0 <= nr < len(grid) and 0 <= nc < len(grid[0]) and grid[nr][nc] == k and (nr, nc) not in seen:
                        seen.add((nr, nc))
                        stack.append((nr, nc))
    if part == "classes":
        return str(classes)
    return len(classes) if cls is None else classes.count(cls)


def _ch12_forced_free(table, reference, part):
    # Greedy under a next-token table: fed the reference's previous token, or its own.
    def best(prev):
        return max(table.get(prev, {}).items(), key=lambda kv: kv[1])[0]

    truth = reference.split() + ["[end]"]
    if part == "teacher_forcing":
        return sum(best(prev) == want for prev, want in zip(["[start]"] + truth[:-1], truth)) / len(truth)
    written, prev = [], "[start]"
    while len(written) < len(truth) and prev != "[end]":
        prev = best(prev)
        written.append(prev)
    return sum(w == t for w, t in zip(written, truth)) / len(truth)


def _ch12_noisy_channel(q, corpus, candidates, k=1.0):
    def p_e(sentence):
        words = sentence.split()
        return math.prod(_ch12_bigram_prob(corpus, b, [a], k=k)
                         for a, b in zip(["<s>"] + words, words + ["</s>"]))

    best = max(candidates, key=lambda e: candidates[e] * p_e(e))
    return _letters(q, lambda text: text == best)


# Chapter 13 by hand: softmax in NumPy, the parameter formulas of the Transformer's parts, masks as
# triangles, samplers as sorted running sums, decoding by following (or searching) the toy table.
def _ch13_best_span(tokens, start, end, allowed=None, max_length=None):
    # Every span i <= j of allowed positions, the best start + end score.
    spans = [(i, j) for i in range(len(start)) for j in range(i, len(end))
             if (allowed is None or (allowed[i] and allowed[j])) and (max_length is None or j - i < max_length)]
    i, j = max(spans, key=lambda ij: start[ij[0]] + end[ij[1]])
    return " ".join(tokens[i: j + 1])


def _ch13_gpt1(task, texts, part, index):
    words = [len(t.split()) for t in texts]
    if task == "classification":
        lengths = [words[0] + 2]
    elif task == "entailment":
        lengths = [words[0] + words[1] + 3]
    elif task == "similarity":
        lengths = [words[0] + words[1] + 3] * 2
    else:
        lengths = [words[0] + w + 3 for w in words[1:]]
    return {"count": len(lengths), "length": lengths[index], "tokens": sum(lengths)}[part]


def _ch13_softmax(scores):
    scores = np.asarray(scores, float)
    e = np.exp(scores - scores.max())
    return e / e.sum()


def _ch13_attention(query, keys, values=None, part="weights", index=0, mask=None):
    q, k = np.array(query, float), np.array(keys, float)
    scores = k @ q / math.sqrt(len(q))
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    w = _ch13_softmax(scores)
    return float((w if part == "weights" else w @ (k if values is None else np.array(values, float)))[index])


def _ch13_mha(num_heads, key_dim, d_model, source_dim=None, value_dim=None):
    hk, hv, s = num_heads * key_dim, num_heads * (value_dim or key_dim), source_dim or d_model
    return (d_model * hk + hk) + (s * hk + hk) + (s * hv + hv) + (hv * d_model + d_model)


def _ch13_block(kind, d_model, num_heads, ff_dim, part=None):
    attention = _ch13_mha(num_heads, d_model // num_heads, d_model)
    parts = {"attention": attention * (1 if kind == "encoder" else 2),
             "feed_forward": d_model * ff_dim + ff_dim + ff_dim * d_model + d_model,
             "norms": 2 * d_model * (2 if kind == "encoder" else 3)}              # a scale and a shift each
    return parts[part] if part else sum(parts.values())


def _ch13_translator_layers(source_vocab, target_vocab, d_model=128, num_heads=4, ff_dim=256, num_layers=2):
    sizes = {"source_embedding": source_vocab * d_model, "target_embedding": target_vocab * d_model,
             "logits": d_model * target_vocab + target_vocab}
    for i in range(num_layers):
        sizes[f"encoder_{i}"] = _ch13_block("encoder", d_model, num_heads, ff_dim)
        sizes[f"decoder_{i}"] = _ch13_block("decoder", d_model, num_heads, ff_dim)
    return sizes                                   # every other layer (positions, adds, dropouts) has none


def _ch13_translator(source_vocab, target_vocab, layer=None, **sizes):
    layers = _ch13_translator_layers(source_vocab, target_vocab, **sizes)
    return layers.get(layer, 0) if layer else sum(layers.values())


def _ch13_translator_shape(layer, source_len, target_len, source_vocab=230, target_vocab=400):
    length = source_len if layer.startswith(("source", "encoder")) else target_len
    return _shape(length, target_vocab if layer == "logits" else 128)


def _ch13_bert(vocab, d_model=64, num_heads=4, ff_dim=128, num_layers=2, max_length=64):
    return (vocab * d_model + max_length * d_model + 2 * d_model
            + num_layers * _ch13_block("encoder", d_model, num_heads, ff_dim))


def _ch13_bert_params(vocab, layer=None, head=None, d_model=64, num_heads=4, ff_dim=128, num_layers=2,
                      max_length=64):
    if head == "mlm":
        return {"mlm_transform": d_model * d_model + d_model, "mlm_norm": 2 * d_model,
                "mlm_logits": d_model * vocab + vocab}[layer]
    if layer is None:
        return _ch13_bert(vocab, d_model, num_heads, ff_dim, num_layers, max_length)
    return {"token_embedding": vocab * d_model, "positions": max_length * d_model, "embedding_norm": 2 * d_model,
            **{f"encoder_{i}": _ch13_block("encoder", d_model, num_heads, ff_dim) for i in range(num_layers)}}[layer]


def _ch13_gpt_params(vocab, layer=None, d_model=64, num_heads=4, ff_dim=128, num_layers=2, max_length=64):
    sizes = {"token_embedding": vocab * d_model, "positions": max_length * d_model, "final_norm": 2 * d_model,
             "logits": d_model * vocab + vocab,
             **{f"decoder_{i}": _ch13_block("encoder", d_model, num_heads, ff_dim) for i in range(num_layers)}}
    return sizes[layer] if layer else sum(sizes.values())


def _ch13_combined(query_length, key_length, query_mask=None, value_mask=None, causal=False, part="count", row=0):
    if part == "shape":
        batch = "B" if query_mask is not None or value_mask is not None else "1"
        tq = query_length if query_mask is not None or causal else 1
        tk = key_length if value_mask is not None or causal else 1
        return f"({batch}, {tq}, {tk})"
    allowed = np.ones((query_length, key_length), bool)
    if causal:
        allowed = np.tril(allowed)
    if query_mask is not None:
        allowed &= np.array(query_mask, bool)[:, None]
    if value_mask is not None:
        allowed &= np.array(value_mask, bool)[None, :]
    return int(allowed.sum()) if part == "count" else str([int(x) for x in allowed[row]])


def _ch13_kept(probs, kind, k=None, p=None):
    ranked = sorted(probs, key=probs.get, reverse=True)
    if kind == "top_k":
        return ranked[:k]
    kept, total = [], 0.0
    for word in ranked:                            # the most likely tokens until their sum reaches p
        kept.append(word)
        total += probs[word]
        if total >= p:
            break
    return kept


def _ch13_paths(table, prefix=("[start]",), p=1.0):
    for word, q in table[prefix[-1]].items():
        if word == "[end]":
            yield prefix[1:], p * q
        else:
            yield from _ch13_paths(table, prefix + (word,), p * q)


def _ch13_toy(table, sampler="greedy", max_length=8, part="text"):
    if sampler == "greedy":
        words, prev, p = [], "[start]", 1.0
        while True:
            word = max(table[prev], key=table[prev].get)
            p *= table[prev][word]
            if word == "[end]":
                break
            words.append(word)
            prev = word
    else:                                          # the most probable sentence of all, found by trying them all
        words, p = max(_ch13_paths(table), key=lambda path: path[1])
    return " ".join(words) if part == "text" else p


def _ch13_vit(image_size, channels=3, num_classes=10, patch_size=8, d_model=64, what="patches"):
    n = (image_size // patch_size) ** 2
    length = patch_size * patch_size * channels
    if what in ("patches", "patch_length", "sequence"):
        return {"patches": n, "patch_length": length, "sequence": n + 1}[what]
    layers = {"patch_projection": length * d_model + d_model, "class_token": d_model, "positions": (n + 1) * d_model,
              "final_norm": 2 * d_model, "class_logits": d_model * num_classes + num_classes,
              **{f"encoder_{i}": _ch13_block("encoder", d_model, 4, 128) for i in range(4)}}
    return sum(layers.values()) if what == "params" else layers[what.split(":", 1)[1]]


def _ch13_patch_value(image_size, patch_size, patch, index):
    per_row = image_size // patch_size
    row = patch // per_row * patch_size + index // patch_size
    col = patch % per_row * patch_size + index % patch_size
    return row * image_size + col                  # the pixels are numbered row by row


def _ch13_twin(text):
    words = text.split()
    was = words.index("not")
    words.remove("not")
    other = next(i for i, w in enumerate(words) if w == "is" and i != was - 1)
    return " ".join(words[:other + 1] + ["not"] + words[other + 1:])


_CH13_POSITIVE = ("happy", "kind", "brave", "clever", "calm", "cheerful", "friendly", "gentle")


def _ch13_first_positive(text):
    words = text.split()
    first = words[:next(i for i, w in enumerate(words) if w in ("but", "and", "while"))]
    return int((first[-1] in _CH13_POSITIVE) != ("not" in first))


# Chapter 14 by hand: the parameter formulas of (transposed) convolutions, batch norm and PReLU, the
# transposed-convolution size formula, the losses and their derivatives on paper, D* = p_data / (p_data + p_g),
# depth_to_space's index rule, PSNR, SSIM's luminance term and Fréchet distances of diagonal Gaussians.
def _ch14_generator_layers(latent_dim=100, widths=(128, 64, 32)):
    sizes = {"up0": 16 * latent_dim * widths[0], "bn0": 4 * widths[0]}      # 4x4 kernels, no bias
    for i in range(1, len(widths)):
        sizes[f"up{i}"] = 16 * widths[i - 1] * widths[i]
        sizes[f"bn{i}"] = 4 * widths[i]                   # scale, shift, running mean and variance
    sizes["image"] = 16 * widths[-1] + 1                  # one tanh channel, with its bias
    return sizes                                          # the reshape and the ReLUs have none


def _ch14_discriminator_layers(widths=(128, 64, 32), activation="leaky_relu"):
    sizes, channels = {}, 1
    for i, width in enumerate(widths[::-1]):
        sizes[f"conv{i}"] = 16 * channels * width + width
        if i:                                             # no batch norm after the first convolution
            sizes[f"bn{i}"] = 4 * width
        if activation == "prelu":
            sizes[f"act{i}"] = width                      # one learned slope per channel
        channels = width
    sizes["logit"] = 16 * widths[0] + 1                   # 4 x 4 x widths[0] numbers in, one logit out
    return sizes


def _ch14_generator_shape(layer, latent_dim=100, widths=(128, 64, 32)):
    if layer == "as_image":
        return _shape(1, 1, latent_dim)
    if layer == "image":
        side = 4 * 2 ** len(widths)
        return _shape(side, side, 1)
    i = int(layer[-1])
    return _shape(4 * 2 ** i, 4 * 2 ** i, widths[i])


def _ch14_discriminator_shape(layer, widths=(128, 64, 32), activation="leaky_relu"):
    if layer == "flatten":
        return _shape(16 * widths[0])
    i = int(layer[-1])
    side = 32 // 2 ** (i + 1)
    return _shape(side, side, widths[::-1][i])


def _ch14_activation(activation, x, part="value"):
    if activation in ("relu", "leaky_relu", "prelu"):
        a = {"relu": 0.0, "leaky_relu": 0.2, "prelu": 0.0}[activation]     # Keras starts PReLU's slope at 0
        if part == "value":
            return x if x > 0 else a * x
        if part == "grad_input":
            return 1.0 if x > 0 else a
        return 0.0 if x > 0 else x                        # d(a x) / da
    if activation == "tanh":
        return math.tanh(x) if part == "value" else 1 - math.tanh(x) ** 2
    s = 1 / (1 + math.exp(-x))
    return s if part == "value" else s * (1 - s)


def _ch14_d_loss(real_prob=0.5, fake_prob=0.5, real_label=1.0, part="total", what="loss"):
    real = -(real_label * math.log(real_prob) + (1 - real_label) * math.log(1 - real_prob))
    fake = -math.log(1 - fake_prob)
    loss = {"real": real, "fake": fake, "total": real + fake}[part]
    return -loss if what == "value" else loss


def _ch14_g_loss(fake_prob, kind="non_saturating", part="value"):
    if part == "value":
        return -math.log(fake_prob) if kind == "non_saturating" else math.log(1 - fake_prob)
    return 1 - fake_prob if kind == "non_saturating" else fake_prob      # |d loss / d logit|


def _ch14_srresnet_shape(layer, low=(16, 16), filters=32, blocks=4, scale=4):
    h, w = low
    if layer == "high":
        return _shape(h * scale, w * scale, 3)
    i = int(layer[2])                                     # up{i}_conv or up{i}_shuffle
    if layer.endswith("conv"):
        return _shape(h * 2 ** i, w * 2 ** i, 4 * filters)
    return _shape(h * 2 ** (i + 1), w * 2 ** (i + 1), filters)


def _ch14_srresnet_params(layer=None, filters=32, blocks=4, scale=4):
    f, steps = filters, int(math.log2(scale))
    conv3 = 9 * f * f + f
    sizes = {"head": 81 * 3 * f + f, "head_prelu": f, "trunk_conv": conv3, "trunk_bn": 4 * f,
             "detail": 81 * f * 3 + 3}
    for i in range(blocks):
        sizes.update({f"block{i}_conv1": conv3, f"block{i}_bn1": 4 * f, f"block{i}_prelu": f,
                      f"block{i}_conv2": conv3, f"block{i}_bn2": 4 * f})
    for i in range(steps):
        sizes.update({f"up{i}_conv": 9 * f * 4 * f + 4 * f, f"up{i}_prelu": f})
    return sizes.get(layer, 0) if layer else sum(sizes.values())


def _ch14_nearest(fake, train, part="median"):
    nearest = [min(sum((a - b) ** 2 for a, b in zip(f, t)) / len(f) for t in train) for f in fake]
    return float(np.median(nearest)) if part == "median" else min(nearest)


def _letters(q, keep):
    return [LETTERS[i] for i, c in enumerate(q.choices) if keep(c.en.strip("` "))]


# Chapters 5, 6, 9 to 14: numbers worked out by hand from the equations, not from the layers.
SEQUENCE_ORACLE = {
    "ch05.rnn_params": lambda q, units, inputs, steps=30, layer="elman": units * (inputs + units + 1),
    "ch05.cell_weight_count": lambda q, units, inputs: units * (inputs + units + 1),
    "ch05.num_windows": lambda q, n, window, start=None, stop=None: (stop - start) if start is not None else n - window,
    "ch06.lstm_params": lambda q, units, inputs, impl="ours": 4 * (units * (inputs + units) + units),
    "ch06.param_ratio": lambda q, units, inputs: 4.0,
    "ch06.concat_width": lambda q, units, inputs: units + inputs,
    "ch06.adding_min_gap": lambda q, length: length // 2 - (length // 10 - 1),
    "ch09.fold_trimap": lambda q, trimap: [1 if v in (1, 3) else 0 for v in trimap],
    "ch09.dice_from_iou": lambda q, intersection, union: 2 * intersection / (union + intersection),
    "ch09.instances": lambda q, **args: _ch09_components(**args),
    "ch10.psnr": lambda q, mse, max_value=1.0: 10 * math.log10(max_value ** 2 / mse),
    "ch10.kl": lambda q, mean, log_var: 0.5 * sum(math.exp(v) + m * m - 1 - v for m, v in zip(mean, log_var)),
    "ch10.linear_ae_params": lambda q, pixels, k: 2 * pixels * k,
    "ch10.resample_size": lambda q, layer, input_size, kernel=3, strides=1, padding="valid", size=2: (
        input_size * size if layer == "upsample" else (input_size - 1) * strides + kernel),
    "ch11.conv_size": lambda q, input_size, strides=2, kernel=3, padding="same": (
        -(-input_size // strides) if padding == "same" else (input_size - kernel) // strides + 1),
    "ch11.fusion_params": lambda q, local, glob, units: (local[-1] + glob[-1]) * units + units,
    "ch11.uniform_ce": lambda q, num_classes=4: math.log(num_classes),
    "ch11.joint_loss": lambda q, mse, ce, fusion=True: mse + (ce / 300 if fusion else 0.0),
    "ch11.alpha": lambda q: 1 / 300 if q.type == "numeric" else "1/300",
    "ch11.ab_target": lambda q, ab: ab / 128,
    "ch11.ab_from_output": lambda q, output: output * 128,
    "ch11.scaled_lightness": lambda q, lightness: lightness / 50 - 1,
    "ch12.softmax": lambda q, scores, index: math.exp(scores[index]) / sum(math.exp(x) for x in scores),
    "ch12.attend": lambda q, **args: _ch12_attend(**args),
    "ch12.attention_params": lambda q, kind, query_dim, key_dim, units=None: (
        0 if kind == "dot" else query_dim * key_dim if kind == "general" else (query_dim + key_dim) * units + units),
    "ch12.translator_params": lambda q, **args: _ch12_params(**args),
    "ch12.translator_param_gap": lambda q, kind, source_vocab, target_vocab, base="plain": (
        _ch12_params(kind, source_vocab, target_vocab) - _ch12_params(base, source_vocab, target_vocab)),
    "ch12.teacher_forcing": lambda q, ids, part="input": str(ids[:-1] if part == "input" else ids[1:]),
    "ch12.vectorizer": lambda q, sources, targets, max_source, max_target, what: {
        "source_vocab": 2 + len({w for s in sources for w in s.split()}),
        "target_vocab": 4 + len({w for t in targets for w in t.split()}),
        "source_length": max_source, "target_length": max_target + 2}[what],
    "ch12.bleu": lambda q, references, hypotheses: _ch12_bleu(references, hypotheses),
    "ch12.length_penalty": lambda q, length, alpha=0.6: ((5 + length) / 6) ** alpha,
    "ch12.normalised_score": lambda q, logp, length, alpha=0.6: logp / ((5 + length) / 6) ** alpha,
    "ch12.beam_rows": lambda q, sentences, width=4, vocab=None: sentences * width if vocab is None else width * vocab,
    "ch12.ngram_prob": lambda q, **args: _ch12_bigram_prob(**args),
    "ch12.ngram_perplexity": lambda q, corpus, test, **args: _ch12_bigram_perplexity(corpus, test, **args),
    "ch12.perplexity": lambda q, probs=None, uniform=None: (
        float(uniform) if uniform else math.exp(-sum(math.log(p) for p in probs) / len(probs))),
    "ch12.skipgram_count": lambda q, sentences, window, negatives=4, part="positive": (
        _ch12_skipgram_pairs(sentences, window) * (1 if part == "positive" else 1 + negatives)),
    "ch12.noise_prob": lambda q, counts, word: counts[word] ** 0.75 / sum(c ** 0.75 for c in counts.values()),
    "ch12.cosine": lambda q, vectors, a, b: _ch12_cosine(vectors, a, b),
    "ch12.toy_forced_free": lambda q, table, reference, part="free_running": _ch12_forced_free(table, reference, part),
    "ch12.noisy_channel": lambda q, **args: _ch12_noisy_channel(q, **args),
    "ch12.particle": lambda q, word, role: {"topic": "은는", "subject": "이가", "object": "을를", "with": "과와"}[role][
        0 if (ord(word[-1]) - 0xAC00) % 28 else 1],
    "ch13.score_variance": lambda q, d_k, scaled=True, what="variance": (
        (1.0 if scaled else float(d_k)) ** (1 if what == "variance" else 0.5)),
    "ch13.attention": lambda q, **args: _ch13_attention(**args),
    "ch13.attention_shape": lambda q, query, key, value=None, part="weights": _shape(
        *query[:-1], key[-2] if part == "weights" else (value or key)[-1]),
    "ch13.mha_params": lambda q, **args: _ch13_mha(**args),
    "ch13.mha_weight_shape": lambda q, num_heads, key_dim, d_model, weight: str(
        {"query_kernel": (d_model, num_heads, key_dim), "output_kernel": (num_heads, key_dim, d_model)}[weight]),
    "ch13.mha_shape": lambda q, num_heads, key_dim, query, value, part="weights": (
        _shape(num_heads, query[0], value[0]) if part == "weights" else _shape(*query)),
    "ch13.head_size": lambda q, d_model, num_heads, ff_dim=256: d_model // num_heads,
    "ch13.block_params": lambda q, **args: _ch13_block(**args),
    "ch13.block_gap": lambda q, d_model, num_heads, ff_dim: (
        _ch13_block("decoder", d_model, num_heads, ff_dim) - _ch13_block("encoder", d_model, num_heads, ff_dim)),
    "ch13.decoder_weights_shape": lambda q, num_heads, d_model, target_len, source_len, part="cross": _shape(
        num_heads, target_len, source_len if part == "cross" else target_len),
    "ch13.causal": lambda q, query_length, key_length, part="count", row=0: (
        sum(min(i + 1, key_length) for i in range(query_length)) if part == "count"
        else str([int(j <= row) for j in range(key_length)])),
    "ch13.combined_mask": lambda q, **args: _ch13_combined(**args),
    "ch13.padded_query_row": lambda q, queries, keys, query_mask, value_mask, row: float(
        bool(query_mask[row]) and any(value_mask)),
    "ch13.sinusoid": lambda q, position, index, depth, max_wavelength=10_000.0: (
        (math.sin if index % 2 == 0 else math.cos)(position / max_wavelength ** (index // 2 * 2 / depth))),
    "ch13.sinusoid_row": lambda q, position, depth, max_wavelength=10_000.0: ", ".join(
        f"{round((math.sin if i % 2 == 0 else math.cos)(position / max_wavelength ** (i // 2 * 2 / depth)), 4):g}"
        for i in range(depth)),
    "ch13.position_params": lambda q, kind, d_model, max_length=64: max_length * d_model if kind == "learned" else 0,
    "ch13.translator_params": lambda q, **args: _ch13_translator(**args),
    "ch13.translator_shape": lambda q, **args: _ch13_translator_shape(**args),
    "ch13.weightless_layers": lambda q, source_vocab=230, target_vocab=400: _letters(
        q, lambda name: name not in _ch13_translator_layers(source_vocab, target_vocab)),
    "ch13.vocab_dependent_layers": lambda q, which="target", source_vocab=230, target_vocab=400: _letters(
        q, lambda name: name in ({"source_embedding"} if which == "source" else {"target_embedding", "logits"})),
    "ch13.teacher_forcing": lambda q, ids, part="input": str(ids[:-1] if part == "input" else ids[1:]),
    "ch13.toy_generate": lambda q, **args: _ch13_toy(**args),
    "ch13.generate_start": lambda q, prompts, max_length=8: min(len(p) for p in prompts),
    "ch13.mlm_expected": lambda q, tokens, part="chosen", sentences=1: sentences * tokens * 0.15 * {
        "chosen": 1.0, "mask": 0.8, "random": 0.1, "unchanged": 0.1}[part],
    "ch13.mask_labels": lambda q, ids, positions, part="labels": str(
        [(ids[i] if part == "labels" else 3) if i in positions else (0 if part == "labels" else ids[i])
         for i in range(len(ids))]),
    "ch13.bert_params": lambda q, **args: _ch13_bert_params(**args),
    "ch13.classifier_params": lambda q, vocab, num_classes, frozen=True, **sizes: (
        64 * num_classes + num_classes + (0 if frozen else _ch13_bert(vocab, **sizes))),
    "ch13.cls_shape": lambda q, vocab, num_classes, length, layer="cls", **sizes: _shape(64),
    "ch13.gpt_params": lambda q, **args: _ch13_gpt_params(**args),
    "ch13.perplexity": lambda q, probs=None, uniform=None: (
        float(uniform) if uniform else math.exp(-sum(math.log(p) for p in probs) / len(probs))),
    "ch13.temperature": lambda q, logits, temperature, index=0: float(
        _ch13_softmax(np.array(logits, float) / temperature)[index]),
    "ch13.sampler_keeps": lambda q, probs, kind, k=None, p=None: _letters(
        q, lambda name: name in _ch13_kept(probs, kind, k, p)),
    "ch13.sampled_prob": lambda q, probs, token, kind, k=None, p=None: (
        probs[token] / sum(probs[w] for w in _ch13_kept(probs, kind, k, p))
        if token in _ch13_kept(probs, kind, k, p) else 0.0),
    "ch13.sampler_count": lambda q, probs, kind, k=None, p=None: len(_ch13_kept(probs, kind, k, p)),
    "ch13.vit": lambda q, **args: _ch13_vit(**args),
    "ch13.vit_shape": lambda q, layer, image_size, channels=3, num_classes=10, patch_size=8, d_model=64: {
        "patches": _shape((image_size // patch_size) ** 2, patch_size * patch_size * channels),
        "patch_projection": _shape((image_size // patch_size) ** 2, d_model),
        "class_token": _shape((image_size // patch_size) ** 2 + 1, d_model)}[layer],
    "ch13.patches_shape": lambda q, image, patch_size: _shape(
        (image[0] // patch_size) * (image[1] // patch_size), patch_size * patch_size * image[2]),
    "ch13.patch_value": lambda q, **args: _ch13_patch_value(**args),
    "ch13.hub_params": lambda q, kind, vocab=5000, target_vocab=400, **sizes: (
        _ch13_translator(vocab, target_vocab, **sizes) if kind == "translator"
        else _ch13_bert(vocab, **sizes) if kind == "bert" else _ch13_gpt_params(vocab, **sizes)),
    "ch13.negation_twin": lambda q, text: _ch13_twin(text),
    "ch13.negation_positive": lambda q, label=1: _letters(q, lambda text: _ch13_first_positive(text) == label),
    # BERT packs [CLS] A [SEP] (B [SEP]); GPT-1 frames every part with [START], [DELIM]s and [EXTRACT].
    "ch13.packed_pair": lambda q, first, second=None, sequence_length=32, part="real": {
        "real": len(first.split()) + 2 + (len(second.split()) + 1 if second else 0),
        "segment_b": len(second.split()) + 1 if second else 0, "seps": 2 if second else 1}[part],
    "ch13.best_span": lambda q, **args: _ch13_best_span(**args),
    "ch13.gpt1_sequences": lambda q, task, texts, part="count", index=0: _ch13_gpt1(task, texts, part, index),
    "ch13.bert_task_shape": lambda q, task, length, num_classes=2, part=None: (
        _shape(num_classes) if task in ("sentence", "pair") else _shape(length, num_classes) if task == "tagging"
        else _shape(length)),
    "ch13.gpt1_shape": lambda q, task, length, sequences=1, num_classes=2, part="task": (
        _shape(sequences, length, 50) if part == "lm" else _shape(sequences) if task == "multiple_choice"
        else _shape(num_classes)),
    "ch14.generator_shape": lambda q, **args: _ch14_generator_shape(**args),
    "ch14.generator_params": lambda q, layer=None, latent_dim=100, widths=(128, 64, 32): (
        _ch14_generator_layers(latent_dim, widths).get(layer, 0) if layer
        else sum(_ch14_generator_layers(latent_dim, widths).values())),
    "ch14.discriminator_shape": lambda q, **args: _ch14_discriminator_shape(**args),
    "ch14.discriminator_params": lambda q, layer=None, widths=(128, 64, 32), activation="leaky_relu": (
        _ch14_discriminator_layers(widths, activation).get(layer, 0) if layer
        else sum(_ch14_discriminator_layers(widths, activation).values())),
    "ch14.weightless_layers": lambda q, model="generator", widths=(128, 64, 32), activation="leaky_relu",
    latent_dim=100: _letters(q, lambda name: name not in (
        _ch14_generator_layers(latent_dim, widths) if model == "generator"
        else _ch14_discriminator_layers(widths, activation))),
    "ch14.transpose_size": lambda q, input_size, kernel=4, strides=1, padding="valid": (
        input_size * strides if padding == "same" else (input_size - 1) * strides + kernel),
    "ch14.activation": lambda q, **args: _ch14_activation(**args),
    "ch14.prelu_params": lambda q, shape, shared_axes=None: math.prod(
        1 if axis + 1 in (shared_axes or []) else d for axis, d in enumerate(shape)),
    "ch14.dead_share": lambda q, biases, activation="relu": sum(b <= 0 for b in biases) / len(biases),
    "ch14.d_loss": lambda q, **args: _ch14_d_loss(**args),
    "ch14.g_loss": lambda q, **args: _ch14_g_loss(**args),
    "ch14.optimal_d": lambda q, p_data, p_g: p_data / (p_data + p_g),
    "ch14.share_right": lambda q, logits, real=True: (
        sum(x > 0 for x in logits) if real else sum(x <= 0 for x in logits)) / len(logits),
    "ch14.subpixel_shape": lambda q, input, factor=2: _shape(
        input[0] * factor, input[1] * factor, input[2] // factor ** 2),
    "ch14.subpixel_source": lambda q, channels, factor, row, col, channel, size=3: (
        (row % factor * factor + col % factor) * channels + channel),
    "ch14.psnr": lambda q, mse, max_value=1.0: 10 * math.log10(max_value ** 2 / mse),
    "ch14.psnr_change": lambda q, factor, mse=0.001: 10 * math.log10(factor),
    "ch14.ssim_constant": lambda q, which="c1", max_value=1.0: (
        {"c1": 0.01, "c2": 0.03}[which] * max_value) ** 2,
    "ch14.ssim_flat": lambda q, a, b, size=32, max_value=1.0: (
        (2 * a * b + (0.01 * max_value) ** 2) / (a * a + b * b + (0.01 * max_value) ** 2)),
    "ch14.frechet": lambda q, mean_a, std_a, mean_b, std_b: (
        sum((x - y) ** 2 for x, y in zip(mean_a, mean_b)) + sum((x - y) ** 2 for x, y in zip(std_a, std_b))),
    "ch14.gan_pixel": lambda q, value: value / 127.5 - 1,
    "ch14.nearest": lambda q, **args: _ch14_nearest(**args),
    "ch14.downscale_shape": lambda q, size, scale=4: _shape(size // scale, size // scale, 3),
    # The normal CDF by hand: part = floor(Phi(z0) * modes).
    "ch14.mixture_part": lambda q, z0, modes=50: math.floor(0.5 * (1 + math.erf(z0 / math.sqrt(2))) * modes),
    # DCGAN's Adam, SRGAN's adversarial weight and one-sided label smoothing at 0.9, as the papers give them.
    "ch14.config": lambda q, field, preset="default": {"real_label": 0.9, "beta_1": 0.5,
                                                        "adversarial_weight": 1e-3}[field],
    "ch14.srresnet_shape": lambda q, **args: _ch14_srresnet_shape(**args),
    "ch14.srresnet_params": lambda q, **args: _ch14_srresnet_params(**args),
}


@pytest.mark.parametrize("chapter", ["ch05", "ch06", "ch09", "ch10", "ch11", "ch12", "ch13", "ch14"])
def test_new_chapters_computed_answers_match_hand_calculations(banks, chapter):
    checked = 0
    for q in banks[chapter].questions:
        if q.compute is None or q.compute.fn not in SEQUENCE_ORACLE:
            continue
        expected = SEQUENCE_ORACLE[q.compute.fn](q, **q.compute.args)
        got = bank_mod.resolve(q)
        if q.type == "numeric":
            assert got.answer == pytest.approx(expected), q.id
        elif q.type in ("single", "multiple"):
            assert got.answer == (expected[0] if q.type == "single" else expected), (q.id, got.answer, expected)
        else:
            assert grading.grade(got, str(expected)).verdict == "right", (q.id, got.answer, expected)
        checked += 1
    assert checked >= 3


def test_ch13_hand_calculations_cover_its_compute_functions(banks):
    used = {q.compute.fn for q in banks["ch13"].questions if q.compute is not None}
    assert used <= set(SEQUENCE_ORACLE), sorted(used - set(SEQUENCE_ORACLE))
    assert len(used) >= 15


def test_ch14_hand_calculations_cover_its_compute_functions(banks):
    used = {q.compute.fn for q in banks["ch14"].questions if q.compute is not None}
    assert used <= set(SEQUENCE_ORACLE), sorted(used - set(SEQUENCE_ORACLE))
    assert len(used) >= 15
    assert sum(q.compute is not None for q in banks["ch14"].questions) >= 15


def test_ch14_hand_calculations_know_the_course_numbers():
    # The worked examples of the course and the chapter page, to their stated numbers.
    assert _ch14_activation("leaky_relu", -3.0) == pytest.approx(-0.6)
    assert SEQUENCE_ORACLE["ch14.transpose_size"](None, 1, kernel=4, strides=1, padding="valid") == 4
    assert SEQUENCE_ORACLE["ch14.transpose_size"](None, 4, kernel=4, strides=2, padding="same") == 8
    assert _ch14_generator_layers(100, (512, 256, 128))["up0"] == 100 * 512 * 4 * 4
    assert _ch14_generator_shape("image") == "(B, 32, 32, 1)"
    assert SEQUENCE_ORACLE["ch14.psnr"](None, 0.001) == pytest.approx(30.0)
    assert SEQUENCE_ORACLE["ch14.psnr_change"](None, 2) == pytest.approx(3.0103, abs=1e-4)
    assert _ch14_d_loss(0.5, 0.5, what="value") == pytest.approx(-math.log(4))
    assert SEQUENCE_ORACLE["ch14.subpixel_source"](None, 2, 2, 1, 1, 0) == 3 * 2    # (a r + b) C + c, a = b = 1
    assert SEQUENCE_ORACLE["ch14.mixture_part"](None, 0.0, 50) == 25                 # Phi(0) = 1/2: the middle part
    assert SEQUENCE_ORACLE["ch14.mixture_part"](None, 1.0, 10) == 8                  # Phi(1) = 0.841


def test_ch14_links_cover_the_sections_of_its_page(banks):
    wanted = {"game", "dcgan", "train-step", "judging", "dead-neurons", "srgan", "subpixel", "psnr-ssim", "uses", "dall-e",
              "results"}
    bank = banks["ch14"]
    assert {q.anchor for q in bank.questions} == wanted
    assert {q.page for q in bank.questions} == {bank.page} == {"ch14_gan.md"}
    docs = bank_mod.docs_dir()
    if docs is not None and (docs / bank.page).is_file():
        assert wanted <= bank_mod.page_anchors(docs / bank.page)


def test_the_final_covers_every_chapter_of_weeks_9_to_14_evenly(banks):
    exam = check_term_exam(banks, "final", exam_mod.FINAL, EXAM_SHAPE)
    assert exam.chapters == exam_mod.FINAL == ("ch09", "ch10", "ch11", "ch12", "ch13", "ch14")
