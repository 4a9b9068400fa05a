"""The builtin English -> Korean corpus: particles, word order, held-out structures, the TFDS builder, TSV pairs."""

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


def test_every_english_noun_reappears_in_korean_with_a_particle_and_the_verb_comes_last():
    for p in enko.draw_split(1, "check", 400):
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
