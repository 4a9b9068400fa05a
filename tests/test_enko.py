"""The builtin English -> Korean corpus: particles, word order, held-out structures, the compositional split,
the TFDS builder, TSV pairs."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from kerasbook.data import enko

EN_TO_KO = {en: ko for kind in enko.NOUNS.values() for en, ko in kind}


def test_particles_follow_the_last_syllable():
    assert enko.has_final_consonant("선생님") and not enko.has_final_consonant("고양이")
    assert [enko.particle("선생님", r) for r in ("topic", "subject", "object", "with")] == ["은", "이", "을", "과"]
    assert [enko.particle("고양이", r) for r in ("topic", "subject", "object", "with")] == ["는", "가", "를", "와"]
    assert enko.particle("책", "object") == "을" and enko.particle("사과", "object") == "를"
    with pytest.raises(ValueError, match="Hangul"):
        enko.has_final_consonant("cat")


def test_the_lexicon_is_consistent():
    nouns = [w for kind in enko.NOUNS.values() for w in kind]
    assert len({en for en, _ in nouns}) == len(nouns)             # no English noun twice
    for v in enko.VERBS:
        assert v.ko_present.endswith("다") and v.ko_past.endswith("다")
        assert v.ko_past == v.ko_past_stem + "다"                  # the past stem is the past form without 다
        assert not v.ko_rel_present.endswith("다") and not v.ko_rel_past.endswith("다")
        assert set(v.objects) <= set(enko.NOUNS)
    assert any(v.place == "에" for v in enko.VERBS) and any(not v.objects for v in enko.VERBS)
    # A Korean noun is never also another word of the lexicon, so every token has one reading.
    others = [ko for group in enko.ADJECTIVES.values() for _, ko in group] + [ko for _, ko in enko.MANNER]
    others += [getattr(v, f) for v in enko.VERBS for f in ("ko_present", "ko_past", "ko_rel_present", "ko_rel_past")]
    korean_nouns = [ko for _, ko in nouns]
    assert len(set(korean_nouns)) == len(korean_nouns) and not set(korean_nouns) & set(others)


def test_join_korean_attaches_particles():
    assert enko.join_korean("선생님 은 공원 에서 책 을 읽었다") == "선생님은 공원에서 책을 읽었다"
    assert enko.join_korean("어제 고양이 는 잤다") == "어제 고양이는 잤다"


def test_pairs_are_reproducible_long_enough_and_use_a_few_hundred_words():
    assert enko.draw_example(0, "train", 7) == enko.draw_example(0, "train", 7)
    pairs = enko.draw_split(0, "train", 1_500)
    en_lengths = [len(p["en"].split()) for p in pairs]
    assert min(en_lengths) == 3 and max(en_lengths) >= 25
    vocab = {w for p in pairs for w in p["en"].split()}
    assert 150 <= len(vocab) <= 600


@pytest.mark.parametrize("split", ["check", "compositional"])
def test_every_english_noun_reappears_in_korean_with_a_particle_and_the_verb_comes_last(split):
    pairs = enko.compositional_split(1, 40) if split == "compositional" else enko.draw_split(1, split, 400)
    for p in pairs:
        en, ko = p["en"].split(), p["ko_tokens"].split()
        assert ko[-1].endswith("다")                              # Korean ends with the verb
        english_nouns = [w for w in en if w in EN_TO_KO and w not in ("old",)]
        korean_nouns = [t for t in ko if t in set(EN_TO_KO.values())]
        assert sorted(EN_TO_KO[w] for w in english_nouns) == sorted(korean_nouns), p
        for i, token in enumerate(ko[:-1]):                      # every particle follows a noun
            if token in ("은", "는", "을", "를"):
                assert ko[i - 1] in EN_TO_KO.values()
                assert token == enko.particle(ko[i - 1], "topic" if token in "은는" else "object")


def test_subject_object_verb_reordering():
    rng = np.random.default_rng(3)
    found = 0
    for _ in range(200):
        en, ko, _ = enko.sentence(rng, structure=set(), clauses=1)
        ko_tokens = ko.split()
        if len(ko_tokens) == 5:                                   # subject 은 object 을 verb
            en_tokens = en.split()                                # the subject verb the object
            assert en_tokens[0] == "the" and en_tokens[3] == "the"
            assert EN_TO_KO[en_tokens[1]] == ko_tokens[0] and EN_TO_KO[en_tokens[4]] == ko_tokens[2]
            found += 1
    assert found > 50


def test_held_out_structures_only_in_their_own_split():
    held = {",".join(sorted(s)) for s in enko.HELD_OUT}
    for split in ("train", "validation", "test"):
        assert not held & {p["structure"] for p in enko.draw_split(0, split, 600)}
    assert {p["structure"] for p in enko.draw_split(0, "heldout", 60)} <= held


def test_relative_clauses_come_before_their_noun_in_korean():
    pairs = [p for p in enko.draw_split(2, "rel", 300) if p["structure"] == "subject_relative"]
    assert pairs
    for p in pairs:
        en, ko = p["en"].split(), p["ko_tokens"].split()
        subject = EN_TO_KO[en[1]]
        assert en[2] in ("who", "that")                           # the subject who/that ...
        topic = next(i for i, t in enumerate(ko) if t in ("은", "는"))
        assert ko[topic - 1] == subject and topic >= 3            # ... comes after its clause in Korean


NOUN_KIND = {en: kind for kind, pairs in enko.NOUNS.items() for en, _ in pairs}
ADJECTIVE_GROUPS = {group: {en for en, _ in pairs} for group, pairs in enko.ADJECTIVES.items()}
VERB_FORMS = {form for v in enko.VERBS for form in (v.third, v.past)}
TIME_WORDS = {w for pairs in enko.TIME.values() for en, _ in pairs for w in en.split()}


def constructions(english: str) -> set:
    """The compositional kinds an English sentence shows, found by parsing it with the grammar's English
    rules alone, not the generator's code: sentence = clause (and|but clause)*; clause = [time] NP verb [NP]
    [in|to NP] [adverb]; NP = the [adjective] noun [who|that verb NP | that NP verb]."""
    tokens, found = english.split() + ["<end>"], set()

    def noun_phrase(i, role, depth):
        assert tokens[i] == "the", english
        adjective = tokens[i + 1] if any(tokens[i + 1] in g for g in ADJECTIVE_GROUPS.values()) else None
        i += 1 + (adjective is not None)
        kind = NOUN_KIND[tokens[i]]
        group = {"person": "animate", "animal": "animate", "place": "place"}.get(kind, "thing")
        if adjective and adjective not in ADJECTIVE_GROUPS[group]:
            found.add("adjective-across-classes")
        i += 1
        if tokens[i] not in ("who", "that"):
            return i
        relative = "object" if tokens[i] == "that" and tokens[i + 1] == "the" else "subject"
        if depth:
            found.add("nested-relative")
        elif (role, relative) in (("subject", "object"), ("object", "subject")):
            found.add(f"{relative}-relative-on-{role}")
        if relative == "subject":                                 # who|that verb NP
            assert tokens[i + 1] in VERB_FORMS, english
            return noun_phrase(i + 2, "object", depth + 1)
        i = noun_phrase(i + 1, "subject", depth + 1)              # that NP verb
        assert tokens[i] in VERB_FORMS, english
        return i + 1

    i, clauses = 0, 0
    while tokens[i] != "<end>":
        clauses += 1
        while tokens[i] in TIME_WORDS:
            i += 1
        i = noun_phrase(i, "subject", 0)
        assert tokens[i] in VERB_FORMS, english
        i += 1
        if tokens[i] == "the":
            i = noun_phrase(i, "object", 0)
        if tokens[i] in ("in", "to"):
            i = noun_phrase(i + 1, "place", 0)
        i += tokens[i] in {en for en, _ in enko.MANNER}
        assert tokens[i] in ("and", "but", "<end>"), english
        i += tokens[i] != "<end>"
    if clauses > 2:
        found.add("longer-coordination")
    return found


def test_the_training_grammar_never_writes_a_compositional_construction():
    for split in ("train", "validation", "test", "heldout"):
        assert all(constructions(p["en"]) == set() for p in enko.draw_split(0, split, 1_000)), split


def test_each_compositional_example_shows_its_construction_and_no_other():
    split = enko.compositional_split(0, 60)
    assert [p["kind"] for p in split] == [k for k in enko.COMPOSITIONAL for _ in range(60)]
    for p in split:
        assert constructions(p["en"]) == {p["kind"]}, p
        assert len(p["en"].split()) <= enko.COMPOSITIONAL_LONGEST[0]
        assert len(p["ko_tokens"].split()) <= enko.COMPOSITIONAL_LONGEST[1]
        assert p["structure"] not in {",".join(sorted(s)) for s in enko.HELD_OUT}
    assert enko.compositional_example(0, "nested-relative", 3) == split[3 * 60 + 3]      # reproducible
    with pytest.raises(ValueError, match="nested-relative"):
        enko.compositional_example(0, "passive", 0)


def test_no_compositional_sentence_is_a_training_or_validation_sentence():
    seen = {p["en"] for split, n in (("train", 3_000), ("validation", 500)) for p in enko.draw_split(0, split, n)}
    assert not seen & {p["en"] for p in enko.compositional_split(0, 40)}


def test_compositional_korean_is_what_the_grammar_rules_give():
    """Korean written by hand from the rules (modifiers before the noun; 은/는, 이/가 inside a relative clause,
    을/를 after a final consonant or a vowel; the verb last, -고/-지만 on every clause but the last)."""
    split = {p["en"]: (p["kind"], p["ko_tokens"]) for p in enko.compositional_split(0, 4)}
    by_hand = {
        "the mouse that the horse follows calls the fox that the boy sees":
            ("object-relative-on-subject", "말 이 따라가는 쥐 는 소년 이 보는 여우 를 부른다"),
        "the frog liked the writer who brought the ball in the library":
            ("subject-relative-on-object", "개구리 는 도서관 에서 공 을 가져온 작가 를 좋아했다"),
        "today the blue rabbit wants the chair": ("adjective-across-classes", "오늘 파란 토끼 는 의자 를 원한다"),
        "the tiger wanted the key that the child who loved the woman wanted":
            ("nested-relative", "호랑이 는 여자 를 사랑한 아이 가 원한 열쇠 를 원했다"),
        "the nurse goes but the young girl carries the clock that the fox brings quietly and the pig studies":
            ("longer-coordination", "간호사 는 가지만 어린 소녀 는 여우 가 가져오는 시계 를 조용히 나르고 돼지 는 공부한다"),
    }
    for en, expected in by_hand.items():
        assert split[en] == expected


def test_the_tfds_builder_writes_every_split(tmp_path):
    from kerasbook.datasets.enko_pairs.enko_pairs_dataset_builder import Builder, PairsConfig

    builder = Builder(config=PairsConfig.make(20, 5, 5, 4, 0), data_dir=str(tmp_path))
    builder.download_and_prepare()
    test = tfds.as_numpy(builder.as_dataset(split="test", batch_size=-1))
    order = np.argsort(test["index"])
    assert [s.decode() for s in test["en"][order]] == [p["en"] for p in enko.draw_split(0, "test", 5)]
    assert builder.info.splits["heldout"].num_examples == 4 and builder.info.splits["train"].num_examples == 20


def test_tsv_pairs_are_read_and_bad_lines_named(tmp_path):
    good = tmp_path / "kor.txt"
    good.write_text("Go.\t가.\tCC-BY 2.0 (France)\nHi.\t안녕.\tCC-BY\n\n", encoding="utf-8")
    assert enko.read_tsv_pairs(good) == [("Go.", "가."), ("Hi.", "안녕.")]
    assert enko.read_tsv_pairs(good, limit=1) == [("Go.", "가.")]
    bad = tmp_path / "bad.txt"
    bad.write_text("Go.\t가.\nonly one field\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        enko.read_tsv_pairs(bad)
