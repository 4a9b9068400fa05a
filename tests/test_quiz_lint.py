"""The bank lint (`kerasbook.quiz.lint`): every rule flags a small bad question and
passes a good one, and the shipped banks lint clean.

The synthetic questions are written as YAML and read with `parse_bank`, the way
a bank file is, so the rules see exactly what a bank author would write.
"""

import textwrap

import pytest
import yaml

from kerasbook.quiz import bank as bank_mod
from kerasbook.quiz import lint
from kerasbook.quiz.bank import parse_bank

LINK = "ch99.md#sec"


def _question(qid, type_, prompt=("What is it?", "무엇인가?"), explanation=("Because.", "그렇기 때문이다."), **fields):
    q = {"id": f"ch99-{qid}", "type": type_, "tags": ["test"], "link": LINK,
         "prompt": {"en": prompt[0], "ko": prompt[1]},
         "explanation": {"en": explanation[0], "ko": explanation[1]}}
    if type_ in ("single", "multiple") and "choices" not in fields:
        fields["choices"] = [{"en": "Yes", "ko": "예"}, {"en": "No", "ko": "아니오"}]
        fields.setdefault("answer", "A" if type_ == "single" else ["A"])
    if type_ == "essay":
        fields.setdefault("answer", {"en": "A model answer.", "ko": "모범 답안이다."})
        fields.setdefault("rubric", [{"en": "One point", "ko": "첫째 요점", "keywords": ["gradient", "기울기"]},
                                     {"en": "Another point", "ko": "둘째 요점", "keywords": ["softmax", "소프트맥스"]}])
    if type_ in ("short", "code"):
        fields.setdefault("answer", "an answer")
    if type_ == "numeric":
        fields.setdefault("answer", 1.0)
    q.update(fields)
    return q


def _bank(*questions):
    text = yaml.safe_dump({"chapter": "ch99", "title": {"en": "Test", "ko": "시험"}, "page": "ch99.md",
                           "questions": list(questions)}, allow_unicode=True, sort_keys=False)
    return parse_bank(text, "ch99.yaml")


def _findings(*questions, rule=None):
    found = lint.lint({"ch99": _bank(*questions)})
    return [f for f in found if rule is None or f.rule == rule]


def _one(question, rule):
    return _findings(question, rule=rule)


# -- standalone prompts -----------------------------------------------------------------

@pytest.mark.parametrize("prompt", [
    ("Now the true square is 30×30 and the prediction 28×28 inside it. What is the IoU?", "정답이 30×30이다. IoU는?"),
    ("Same data (y = (3, 5, 7), ŷ = (2, 7, 6)). What is the RMSE?", "y = (3, 5, 7)일 때 RMSE는?"),
    ("The same block without the 1×1 reductions. How many parameters?", "1×1 축소가 없는 블록의 파라미터는?"),
    ("In the same model, what is the shape of the bottleneck?", "병목의 모양은?"),
    ("And a depthwise-separable 3×3 convolution from 64 to 128 channels: how many weights?", "가중치는?"),
    ("Max pooling (2×2, stride 2) of the same grid. What is the bottom-left value?", "왼쪽 아래 값은?"),
    ("The toy decoder again. Which tokens does it write?", "어떤 토큰을 쓰는가?"),
    ("How long is the sequence the encoder blocks of that ViT read?", "시퀀스의 길이는?"),
    ("Using the numbers from the previous question, what is the MAE?", "MAE는?"),
    ("A 5×5 map goes through a 3×3 convolution. What size comes out?", "같은 맵에 3×3 합성곱을 하면?"),
    ("A 5×5 map goes through a 3×3 convolution. What size comes out?", "이번에는 5×5 맵이다. 크기는?"),
    ("A 5×5 map goes through a 3×3 convolution. What size comes out?", "다시 장난감 디코더이다. 크기는?"),
    ("A 5×5 map goes through a 3×3 convolution. What size comes out?", "그 ViT의 시퀀스 길이는?"),
    ("A 5×5 map goes through a 3×3 convolution. What size comes out?", "앞 문제의 맵에서 크기는?"),
])
def test_standalone_flags_a_prompt_that_leans_on_another_question(prompt):
    found = _one(_question("lean", "short", prompt=prompt), "standalone")
    assert found, prompt
    assert all(str(f).startswith("ch99-lean: ") and "; " in str(f) for f in found)


@pytest.mark.parametrize("prompt", [
    ("For y = (3, 5, 7) and ŷ = (2, 7, 6), what is the RMSE?", "y = (3, 5, 7), ŷ = (2, 7, 6)일 때 RMSE는?"),
    ("Which padding copies the edge pixel itself outward, again and again?", "가장자리 픽셀을 반복해서 복사하는 패딩은?"),
    ("Sequences are padded to the same length and a mask marks the padding. What does the LSTM do?",
     "길이가 다른 시퀀스를 같은 길이로 패딩한다. LSTM은 어떻게 하는가?"),
    ("A model scores R² = 0 on the test set. What does that mean?", "테스트 R²가 0이다. 이것은 무슨 뜻인가?"),
    ("The chapter trains a U-Net and its twin on the same data. What does this isolate?",
     "U-Net과 그 쌍둥이를 같은 데이터로 학습한다. 무엇을 떼어 보는가?"),
    ("A gradient whose norm exceeds a threshold is rescaled down to that threshold. What is this called?",
     "노름이 임곗값을 넘는 기울기를 그 임곗값까지 줄인다. 무엇이라 하는가?"),
])
def test_standalone_passes_a_prompt_that_stands_alone(prompt):
    assert _one(_question("alone", "short", prompt=prompt), "standalone") == []


# -- doubled words and units --------------------------------------------------------------

@pytest.mark.parametrize("explanation", [
    ("Cutting 30 values leaves 70 − 30 + 1 = 41 windows windows: the rest are lost.", "41개가 남는다."),
    ("1,000 / 100 = 10 iterations batches, one update each.", "10번이다."),
    ("One batch is one update.", "배치 하나가 갱신 갱신 한 번이다."),
])
def test_doubled_words_are_flagged(explanation):
    assert _one(_question("twice", "short", explanation=explanation), "doubled-word")


def test_a_quoted_repetition_and_a_number_with_one_unit_pass():
    explanation = ('Clipping counts means "the the the" gains nothing; 1,000 / 100 = 10 iterations, one per batch.',
                   '"the the the"처럼 되풀이해도 얻는 것이 없다. 배치 10개이다.')
    assert _one(_question("once", "short", explanation=explanation), "doubled-word") == []


def test_a_numeric_answer_followed_by_a_second_counter_in_korean_is_flagged():
    q = _question("count", "numeric", answer=70, unit="windows")
    shown = bank_mod.format_answer(_bank(q).questions[0], "ko")
    bad = _question("count", "numeric", answer=70, unit="windows",
                    explanation=("N − 30 = 70 windows.", f"N − 30 = {shown}개."))
    good = _question("count", "numeric", answer=70, unit="windows",
                     explanation=("N − 30 = 70 windows.", f"N − 30 = {shown}이다."))
    assert _one(bad, "doubled-word")
    assert _one(good, "doubled-word") == []


@pytest.mark.parametrize("korean", [
    "각각 앞의 값 30개를 창으로 가진다: N − 30 = 70 windows개.",
    "a 다섯 개와 공백 네 개로 9 steps이다.",
    "Config.quick()은 에폭을 12 epochs로 줄인다.",
    "내림하면 112 pixels이다.",
])
def test_english_units_in_korean_text_are_flagged(korean):
    found = _one(_question("unit", "short", explanation=("In English it is fine: 70 windows.", korean)),
                 "english-unit")
    assert found and "explanation.ko" in found[0].problem


@pytest.mark.parametrize("korean", [
    "창은 70개이다. 학습은 9 스텝이다.",
    "`steps_per_epoch`와 `epochs=12`를 넘긴다.",
    "두 상태 모두 값이 units개이다.",
    "scikit-image와 결과를 비교한다.",
])
def test_korean_units_code_spans_and_identifiers_pass(korean):
    assert _one(_question("unit", "short", explanation=("70 windows, 9 steps.", korean)), "english-unit") == []


# -- keywords -----------------------------------------------------------------------------

@pytest.mark.parametrize("word", ["같", "줄", "+", "0", "10", "15", "1/2", "2.303", "1,000", "He", "σ", "√", "q · k"])
def test_weak_keywords_are_flagged(word):
    essay = _question("essay", "essay", rubric=[
        {"en": "A point", "ko": "요점", "keywords": ["gradient", word]},
        {"en": "Another point", "ko": "다른 요점", "keywords": ["softmax"]}])
    short = _question("short", "short", keywords=[[word], ["gradient"]])
    assert _one(essay, "weak-keyword"), word
    assert _one(short, "weak-keyword"), word


@pytest.mark.parametrize("word", ["같은 값", "줄어", "15 %", "112×112", "He init", "σ(1) ≈ 0.73", "ReLU", "1x1", "f_t"])
def test_specific_keywords_pass(word):
    essay = _question("essay", "essay", rubric=[
        {"en": "A point", "ko": "요점", "keywords": [word]},
        {"en": "Another point", "ko": "다른 요점", "keywords": ["softmax"]}])
    assert _one(essay, "weak-keyword") == []


# -- code-reading snippets -----------------------------------------------------------------

@pytest.fixture()
def module(tmp_path, monkeypatch):
    """A small source file, importable as its own module, with the snippet markers the banks use."""
    name = f"lint_snippet_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent('''\
        # --8<-- [start:models]
        def build(kind, levels):
            x = dense(784, name="dec_dense")
            if kind == "dense":
                return dense(784, name="dec_dense")(x)
            x = reshape(name="dec_reshape")(x)
            for level in levels:
                x = upsample(name=f"up{level}")(x)
                x = conv(8, name=f"up{level}_conv")(x)
            return x
        # --8<-- [end:models]
        '''), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def _code(module, start, prompt="What is the shape of the output of the layer `up2`?"):
    return _question("code", "code", prompt=(prompt, "`up2` 층 출력의 모양은?"),
                     code={"module": module, "marker": "models", "start": start, "end": "return x"})


def test_a_start_marker_that_matches_two_lines_is_flagged(module):
    found = _one(_code(module, 'name="dec_dense"'), "code-start")
    assert found and "matches 2 lines" in found[0].problem


def test_a_start_marker_that_matches_one_line_passes(module):
    assert _one(_code(module, 'name="dec_reshape"'), "code-start") == []


def test_a_layer_the_snippet_does_not_show_is_flagged(module):
    q = _code(module, "for level in levels", prompt="What is the shape of the output of the layer `dec_reshape`?")
    found = _one(q, "code-object")
    assert found and "`dec_reshape`" in found[0].problem


def test_a_layer_made_by_an_f_string_in_the_snippet_passes(module):
    assert _one(_code(module, "for level in levels"), "code-object") == []
    q = _code(module, "for level in levels", prompt="How many parameters does the layer `up1_conv` have?")
    assert _one(q, "code-object") == []


# -- Korean terms ----------------------------------------------------------------------------

def test_a_korean_term_question_that_accepts_english_is_flagged():
    q = _question("term", "short", prompt=('What is the Korean term the course uses for "learning rate"?',
                                           '"learning rate"를 강의에서는 한국어로 무엇이라고 하는가?'),
                  answer="학습률", accepted=["학습 률", "learning rate"])
    found = _one(q, "korean-term")
    assert found and "'learning rate'" in found[0].problem


def test_a_korean_term_question_with_korean_spellings_passes():
    q = _question("term", "short", prompt=('What is the Korean term the course uses for "learning rate"?',
                                           '"learning rate"를 강의에서는 한국어로 무엇이라고 하는가?'),
                  answer="학습률", accepted=["학습 률"])
    assert _one(q, "korean-term") == []
    other = _question("english", "short", prompt=("What is the step size of gradient descent called?",
                                                  "경사 하강법의 보폭을 무엇이라 하는가?"),
                      answer="learning rate", accepted=["학습률"])
    assert _one(other, "korean-term") == []


# -- the shipped banks and `validate` ---------------------------------------------------------

def test_every_rule_is_documented_and_findings_read_qid_problem_fix():
    assert all(f"`{rule}`" in lint.__doc__ for rule in lint.RULES)
    finding = lint.Finding("ch99-x", "standalone", "what is wrong", "what to do")
    assert str(finding) == "ch99-x: what is wrong; what to do"


def test_validate_reports_lint_findings(tmp_path):
    (tmp_path / "ch99.md").write_text("# Test\n\n## Section { #sec }\n", encoding="utf-8")
    bank = _bank(_question("lean", "short", prompt=("Now the grid is 4×4. What is the max?", "최댓값은?")))
    problems, _ = bank_mod.validate({"ch99": bank}, docs=tmp_path)
    assert any(p.startswith("ch99.yaml: ch99-lean: the English prompt starts with 'Now'") for p in problems)


def test_the_shipped_banks_lint_clean():
    found = lint.lint(bank_mod.load_banks(), bank_mod.resolve)
    assert [str(f) for f in found] == []
