"""English -> Korean sentence pairs from a small grammar: the builtin corpus of chapter 12.

English puts the verb between subject and object (subject-verb-object);
Korean puts it last (subject-object-verb), marks each noun's role with a
particle, and puts relative clauses *before* the noun they describe. So a
translator must reorder: the Korean word it writes next often comes from far
away in the English sentence, which is what attention is for.

    the kind teacher who met the student read the old book in the park
    학생 을 만난 친절한 선생님 은 공원 에서 오래된 책 을 읽었다

Every pair is produced by the same grammar rules on both sides, so each
translation is correct by construction. The grammar:

* Sentence: a clause, or two clauses joined by "and" (Korean verb ending -고)
  or "but" (-지만).
* Clause: subject, verb, then (for transitive verbs) an object; optionally a
  time word at the start ("yesterday", "every day"), a place ("in the park",
  "to the school") and a manner adverb ("quickly") at the end. Korean order:
  time, subject + 은/는, place + 에서/에, object + 을/를, adverb, verb.
* Noun phrase: "the", an optional adjective, the noun, and optionally a
  relative clause: "who met the student" (Korean: 학생 을 만난 + noun) or
  "that the boy bought" (Korean: 소년 이 산 + noun, subject with 이/가).
* Particles follow the noun's last syllable: 은/이/을/과 after a final
  consonant, 는/가/를/와 after a vowel, read off the Hangul code point.
* Tense: present or past, per clause, with the verb's Korean forms from the
  lexicon (declarative, adnominal for relative clauses, and the stems the
  endings attach to).

Korean is written two ways: `ko`, as a person writes it (particles attached to
their nouns), and `ko_tokens`, split into morphemes (noun, particle, verb form)
separated by spaces, which is what the translators read and write and what
BLEU counts. English is lower case, without punctuation.

Some sentence *structures* (which optional parts a sentence has) are held out
of training altogether and make their own split, so the test asks for
structures the model never saw as well as unseen sentences. Those are new
combinations of parts, each in the position it always has. The compositional
split (`compositional_split`) goes further: known words and constructions in
positions the training grammar never puts them (an object relative clause on
the subject, a "who" clause on the object, a thing's adjective on an animal, a
relative clause inside a relative clause, three coordinated clauses), drawn by
the same grammar code with one switch, so their Korean is right by
construction too (Lake and Baroni, "Generalization without Systematicity",
ICML 2018, make the point of such a test for seq2seq models).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

# -- the lexicon ------------------------------------------------------------------------------
# Nouns: English, Korean. Every subject is animate; objects and places come from their lists.
PEOPLE = [("teacher", "선생님"), ("student", "학생"), ("doctor", "의사"), ("child", "아이"), ("friend", "친구"),
          ("mother", "어머니"), ("father", "아버지"), ("farmer", "농부"), ("cook", "요리사"), ("singer", "가수"),
          ("painter", "화가"), ("soldier", "군인"), ("king", "왕"), ("queen", "여왕"), ("baby", "아기"),
          ("girl", "소녀"), ("boy", "소년"), ("man", "남자"), ("woman", "여자"), ("grandmother", "할머니"),
          ("grandfather", "할아버지"), ("neighbor", "이웃"), ("writer", "작가"), ("pilot", "조종사"),
          ("nurse", "간호사"), ("lawyer", "변호사"), ("scientist", "과학자"), ("dancer", "무용수"),
          ("driver", "운전사"), ("baker", "제빵사")]
ANIMALS = [("cat", "고양이"), ("dog", "개"), ("bird", "새"), ("rabbit", "토끼"), ("horse", "말"), ("tiger", "호랑이"),
           ("bear", "곰"), ("monkey", "원숭이"), ("fox", "여우"), ("duck", "오리"), ("cow", "소"), ("pig", "돼지"),
           ("lion", "사자"), ("mouse", "쥐"), ("frog", "개구리")]
FOOD = [("apple", "사과"), ("bread", "빵"), ("cake", "케이크"), ("milk", "우유"), ("rice", "밥"), ("fish", "생선"),
        ("egg", "달걀"), ("orange", "오렌지"), ("banana", "바나나"), ("cookie", "과자"), ("soup", "국"),
        ("noodles", "국수"), ("cheese", "치즈"), ("grape", "포도")]
READABLE = [("book", "책"), ("letter", "편지"), ("newspaper", "신문"), ("story", "이야기"), ("poem", "시"),
            ("map", "지도"), ("note", "쪽지"), ("magazine", "잡지")]
ITEMS = [("ball", "공"), ("car", "자동차"), ("flower", "꽃"), ("picture", "그림"), ("cup", "컵"), ("chair", "의자"),
         ("table", "탁자"), ("bag", "가방"), ("hat", "모자"), ("shoe", "신발"), ("key", "열쇠"), ("phone", "전화기"),
         ("computer", "컴퓨터"), ("box", "상자"), ("pencil", "연필"), ("umbrella", "우산"), ("clock", "시계"),
         ("bicycle", "자전거"), ("photo", "사진"), ("ticket", "표"), ("gift", "선물"), ("coat", "외투"),
         ("lamp", "등"), ("mirror", "거울"), ("ring", "반지"), ("guitar", "기타"), ("piano", "피아노"),
         ("window", "창문"), ("door", "문"), ("toy", "장난감")]
PLACES = [("park", "공원"), ("school", "학교"), ("library", "도서관"), ("market", "시장"), ("house", "집"),
          ("garden", "정원"), ("kitchen", "부엌"), ("station", "역"), ("hospital", "병원"), ("museum", "박물관"),
          ("restaurant", "식당"), ("office", "사무실"), ("river", "강"), ("forest", "숲"), ("beach", "해변"),
          ("village", "마을"), ("city", "도시"), ("shop", "가게"), ("zoo", "동물원"), ("hotel", "호텔"),
          ("classroom", "교실"), ("farm", "농장")]
NOUNS = {"person": PEOPLE, "animal": ANIMALS, "food": FOOD, "readable": READABLE, "item": ITEMS, "place": PLACES}


@dataclass(frozen=True)
class Verb:
    """A verb's English forms (base, 3rd person singular, past) and Korean forms.

    Korean: present and past declarative (읽는다, 읽었다), present and past
    adnominal for relative clauses (읽는, 읽은), and the present and past stems
    the endings -고 and -지만 attach to (읽, 읽었).
    """

    base: str
    third: str
    past: str
    ko_present: str
    ko_past: str
    ko_rel_present: str
    ko_rel_past: str
    ko_stem: str
    ko_past_stem: str
    objects: tuple = ()          # noun kinds it takes as object; () = intransitive
    place: str = "에서"           # the place particle: 에서 (where it happens) or 에 (where to)


def _v(base, third, past, forms, objects=(), place="에서"):
    return Verb(base, third, past, *forms.split(), objects=tuple(objects), place=place)


THINGS = ("food", "readable", "item")
VERBS = [
    _v("read", "reads", "read", "읽는다 읽었다 읽는 읽은 읽 읽었", ["readable"]),
    _v("eat", "eats", "ate", "먹는다 먹었다 먹는 먹은 먹 먹었", ["food"]),
    _v("see", "sees", "saw", "본다 봤다 보는 본 보 봤", THINGS + ("person", "animal")),
    _v("like", "likes", "liked", "좋아한다 좋아했다 좋아하는 좋아한 좋아하 좋아했", THINGS + ("person", "animal")),
    _v("buy", "buys", "bought", "산다 샀다 사는 산 사 샀", THINGS),
    _v("write", "writes", "wrote", "쓴다 썼다 쓰는 쓴 쓰 썼", ["readable"]),
    _v("make", "makes", "made", "만든다 만들었다 만드는 만든 만들 만들었", ["food", "item"]),
    _v("find", "finds", "found", "찾는다 찾았다 찾는 찾은 찾 찾았", THINGS + ("animal",)),
    _v("sell", "sells", "sold", "판다 팔았다 파는 판 팔 팔았", THINGS),
    _v("wash", "washes", "washed", "씻는다 씻었다 씻는 씻은 씻 씻었", ["food", "item"]),
    _v("open", "opens", "opened", "연다 열었다 여는 연 열 열었", ["item", "readable"]),
    _v("draw", "draws", "drew", "그린다 그렸다 그리는 그린 그리 그렸", ["item", "animal", "food"]),
    _v("carry", "carries", "carried", "나른다 날랐다 나르는 나른 나르 날랐", ["item", "food"]),
    _v("want", "wants", "wanted", "원한다 원했다 원하는 원한 원하 원했", THINGS),
    _v("bring", "brings", "brought", "가져온다 가져왔다 가져오는 가져온 가져오 가져왔", THINGS),
    _v("meet", "meets", "met", "만난다 만났다 만나는 만난 만나 만났", ["person"]),
    _v("help", "helps", "helped", "돕는다 도왔다 돕는 도운 돕 도왔", ["person", "animal"]),
    _v("call", "calls", "called", "부른다 불렀다 부르는 부른 부르 불렀", ["person", "animal"]),
    _v("love", "loves", "loved", "사랑한다 사랑했다 사랑하는 사랑한 사랑하 사랑했", ["person", "animal"]),
    _v("follow", "follows", "followed", "따라간다 따라갔다 따라가는 따라간 따라가 따라갔", ["person", "animal"]),
    _v("visit", "visits", "visited", "방문한다 방문했다 방문하는 방문한 방문하 방문했", ["place"]),
    _v("clean", "cleans", "cleaned", "청소한다 청소했다 청소하는 청소한 청소하 청소했", ["place", "item"]),
    _v("go", "goes", "went", "간다 갔다 가는 간 가 갔", place="에"),
    _v("come", "comes", "came", "온다 왔다 오는 온 오 왔", place="에"),
    _v("sleep", "sleeps", "slept", "잔다 잤다 자는 잔 자 잤"),
    _v("run", "runs", "ran", "달린다 달렸다 달리는 달린 달리 달렸"),
    _v("walk", "walks", "walked", "걷는다 걸었다 걷는 걸은 걷 걸었"),
    _v("play", "plays", "played", "논다 놀았다 노는 논 놀 놀았"),
    _v("work", "works", "worked", "일한다 일했다 일하는 일한 일하 일했"),
    _v("sing", "sings", "sang", "노래한다 노래했다 노래하는 노래한 노래하 노래했"),
    _v("dance", "dances", "danced", "춤춘다 춤췄다 춤추는 춤춘 춤추 춤췄"),
    _v("study", "studies", "studied", "공부한다 공부했다 공부하는 공부한 공부하 공부했"),
]
ADJECTIVES = {
    "animate": [("happy", "행복한"), ("kind", "친절한"), ("young", "어린"), ("tired", "피곤한"), ("hungry", "배고픈"),
                ("brave", "용감한"), ("quiet", "조용한"), ("clever", "똑똑한"), ("old", "늙은"), ("busy", "바쁜")],
    "thing": [("new", "새로운"), ("old", "오래된"), ("red", "빨간"), ("blue", "파란"), ("heavy", "무거운"),
              ("expensive", "비싼"), ("cheap", "싼"), ("beautiful", "아름다운"), ("small", "작은"), ("big", "큰")],
    "place": [("quiet", "조용한"), ("big", "큰"), ("small", "작은"), ("beautiful", "아름다운"), ("old", "오래된"),
              ("new", "새로운"), ("busy", "붐비는")],
}
# The adjectives the grammar gives only to things, never to people or animals ("old" is left out: on an
# animal it is 늙은, on a thing 오래된). The compositional split puts them on animals: 빨간 새, 무거운 곰.
ACROSS = [(en, ko) for en, ko in ADJECTIVES["thing"] if en not in {a for a, _ in ADJECTIVES["animate"]}]
MANNER = [("quickly", "빨리"), ("slowly", "천천히"), ("often", "자주"), ("happily", "행복하게"), ("quietly", "조용히"),
          ("carefully", "조심스럽게"), ("together", "함께")]
TIME = {"past": [("yesterday", "어제"), ("last night", "어젯밤")], "present": [("every day", "매일"), ("today", "오늘")]}
CONJUNCTIONS = {"and": "고", "but": "지만"}

# -- particles ----------------------------------------------------------------------------------


def has_final_consonant(word: str) -> bool:
    """Does the last Hangul syllable of `word` end in a consonant (받침)? From its Unicode code point."""
    code = ord(word[-1]) - 0xAC00
    if not 0 <= code < 11172:
        raise ValueError(f"{word!r} does not end in a Hangul syllable")
    return code % 28 != 0


def particle(word: str, role: str) -> str:
    """The particle of `role` ("topic", "subject", "object", "with") after `word`: 은/는, 이/가, 을/를, 과/와."""
    pairs = {"topic": ("은", "는"), "subject": ("이", "가"), "object": ("을", "를"), "with": ("과", "와")}
    after_consonant, after_vowel = pairs[role]
    return after_consonant if has_final_consonant(word) else after_vowel


# -- the grammar ----------------------------------------------------------------------------------

# The optional parts of a clause; a sentence's structure is which of them it has.
PARTS = ("subject_adjective", "subject_relative", "object_adjective", "object_relative", "place", "manner", "time")
# Structures never used for training or validation: they make the `heldout` split.
HELD_OUT = (
    frozenset({"subject_relative", "object_relative", "place"}),
    frozenset({"subject_adjective", "object_relative", "manner", "time"}),
    frozenset({"object_adjective", "subject_relative", "manner"}),
)


@dataclass
class Phrase:
    """Parallel English and Korean token lists."""

    en: list
    ko: list


def _noun_phrase(rng, kinds, role, tense, allow_relative, extras):
    """A noun phrase of one of `kinds`, with the Korean particle of `role` (or none).

    `extras` may ask for an adjective (`"adjective": True`, or `"across"` for one of `ACROSS`), a relative
    clause (`"relative": "subject"` or `"object"`) and, with `"nested": True`, a relative clause on the noun
    inside that relative clause (an object relative on its object, a subject relative on its subject)."""
    kind = kinds[rng.integers(len(kinds))]
    en_noun, ko_noun = NOUNS[kind][rng.integers(len(NOUNS[kind]))]
    en, ko = ["the"], []
    if extras.get("adjective"):
        group = "animate" if kind in ("person", "animal") else ("place" if kind == "place" else "thing")
        pool = ACROSS if extras["adjective"] == "across" else ADJECTIVES[group]
        en_adj, ko_adj = pool[rng.integers(len(pool))]
        en.append(en_adj)
        adj = [ko_adj]
    else:
        adj = []
    en.append(en_noun)
    rel = extras.get("relative") if allow_relative else None
    rel_ko = []
    nested = extras.get("nested", False)
    if rel == "subject":                     # "who met the student": the noun is the relative verb's subject
        verb = _pick_verb(rng, transitive=True)
        obj = _noun_phrase(rng, verb.objects, "object", tense, nested, {"relative": "object"})
        en += ["who" if kind in ("person", "animal") else "that",
               verb.past if tense == "past" else verb.third] + obj.en
        rel_ko = obj.ko + [verb.ko_rel_past if tense == "past" else verb.ko_rel_present]
    elif rel == "object":                    # "that the boy bought": the noun is the relative verb's object
        verb = _pick_verb(rng, transitive=True, takes=kind)
        subj = _noun_phrase(rng, ("person", "animal"), "subject", tense, nested, {"relative": "subject"})
        en += ["that"] + subj.en + [verb.past if tense == "past" else verb.third]
        rel_ko = subj.ko + [verb.ko_rel_past if tense == "past" else verb.ko_rel_present]
    ko = rel_ko + adj + [ko_noun]
    if role is not None:
        ko.append(particle(ko_noun, role) if role in ("topic", "subject", "object", "with") else role)
    return Phrase(en, ko)


def _pick_verb(rng, transitive, takes=None):
    pool = [v for v in VERBS if bool(v.objects) == transitive and (takes is None or takes in v.objects)]
    return pool[rng.integers(len(pool))]


def _clause(rng, structure, tense, ending, compositional=None):
    """One clause: `ending` is "final" (다), or a conjunction's Korean ending (고, 지만).

    `compositional`, one of `COMPOSITIONAL`, puts a construction where the training grammar never does:
    an object relative on the subject, a subject relative on the object (a person or an animal), an
    adjective of `ACROSS` on the subject (an animal), or a relative clause inside one of the relative
    clauses `structure` asks for. Everything else, the Korean included, is built as always."""
    transitive = bool(structure & {"object_adjective", "object_relative"}) or rng.random() < 0.6
    animate = ("person", "animal")[rng.integers(2)] if compositional == "subject-relative-on-object" else None
    verb = _pick_verb(rng, transitive, takes=animate)
    subject = {"adjective": "subject_adjective" in structure,
               "relative": "subject" if "subject_relative" in structure else None}
    object_ = {"adjective": "object_adjective" in structure,
               "relative": "object" if "object_relative" in structure else None}
    if compositional == "object-relative-on-subject":
        subject["relative"] = "object"
    elif compositional == "subject-relative-on-object":
        object_["relative"] = "subject"
    elif compositional == "adjective-across-classes":
        subject["adjective"] = "across"
    elif compositional == "nested-relative":
        has = [np_ for np_ in (subject, object_) if np_["relative"]]
        has[rng.integers(len(has))]["nested"] = True
    subj = _noun_phrase(rng, ("animal",) if subject["adjective"] == "across" else ("person", "animal"), "topic",
                        tense, True, subject)
    en, ko = [], []
    if "time" in structure:
        en_t, ko_t = TIME[tense][rng.integers(len(TIME[tense]))]
        en += en_t.split()
        ko.append(ko_t)
    en += subj.en
    ko += subj.ko
    en.append(verb.past if tense == "past" else verb.third)
    obj_ko = []
    if verb.objects:
        obj = _noun_phrase(rng, (animate,) if animate else verb.objects, "object", tense, True, object_)
        en += obj.en
        obj_ko = obj.ko
    place_ko = []
    if "place" in structure:
        place = _noun_phrase(rng, ("place",), verb.place, tense, False, {"adjective": rng.random() < 0.3})
        en += ["to" if verb.place == "에" else "in"] + place.en
        place_ko = place.ko
    manner_ko = []
    if "manner" in structure:
        en_m, ko_m = MANNER[rng.integers(len(MANNER))]
        en.append(en_m)
        manner_ko = [ko_m]
    if ending == "final":
        verb_ko = verb.ko_past if tense == "past" else verb.ko_present
    else:
        verb_ko = (verb.ko_past_stem if tense == "past" else verb.ko_stem) + ending
    ko += place_ko + obj_ko + manner_ko + [verb_ko]
    return Phrase(en, ko)


def random_structure(rng) -> frozenset:
    """Which optional parts a clause has: each with its own probability."""
    chances = {"subject_adjective": 0.35, "subject_relative": 0.3, "object_adjective": 0.35, "object_relative": 0.25,
               "place": 0.45, "manner": 0.35, "time": 0.25}
    return frozenset(p for p in PARTS if rng.random() < chances[p])


def sentence(rng, structure=None, clauses=None, compositional=None):
    """`(english, korean_tokens, structure)`: one sentence pair, as space-separated tokens.

    `structure` is the first clause's; `compositional` is passed to the first clause (`_clause`)."""
    structure = random_structure(rng) if structure is None else frozenset(structure)
    clauses = clauses or (1 if rng.random() < 0.75 else 2)
    tense = "past" if rng.random() < 0.5 else "present"
    conjunctions = ["and" if rng.random() < 0.6 else "but" for _ in range(clauses - 1)]
    endings = [CONJUNCTIONS[c] for c in conjunctions] + ["final"]     # every clause but the last ends in -고/-지만
    first = _clause(rng, structure, tense, endings[0], compositional)
    en, ko = first.en, first.ko
    for conj, ending in zip(conjunctions, endings[1:]):
        while True:                          # a later clause never has a held-out structure either
            later_structure = random_structure(rng) - {"time"}
            if later_structure not in HELD_OUT:
                break
        later = _clause(rng, later_structure, tense, ending)
        en, ko = en + [conj] + later.en, ko + later.ko
    return " ".join(en), " ".join(ko), structure


PARTICLES = {"은", "는", "이", "가", "을", "를", "과", "와", "에", "에서"}


def join_korean(tokens: str) -> str:
    """Korean as a person writes it: each particle attached to the word before it."""
    out = []
    for token in tokens.split():
        if token in PARTICLES and out:
            out[-1] += token
        else:
            out.append(token)
    return " ".join(out)


INITIALS = "g kk n d tt r m b pp s ss - j jj ch k t p h".split()
VOWELS = "a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i".split()
FINALS = [""] + "k k ks n nj nh t l lk lm lb ls lt lp lh m p ps t t ng t t k t p t".split()


def romanize(word: str) -> str:
    """Hangul spelled out in Latin letters, syllable by syllable (Revised Romanization's letters,
    without its sound-change rules): 학생 -> haksaeng. Other characters pass through."""
    out = []
    for ch in word:
        code = ord(ch) - 0xAC00
        if not 0 <= code < 11172:
            out.append(ch)
            continue
        initial, vowel, final = code // 588, (code % 588) // 28, code % 28
        out.append(INITIALS[initial].replace("-", "") + VOWELS[vowel] + FINALS[final])
    return "".join(out)


# -- splits ---------------------------------------------------------------------------------------

def example_seed(seed: int, split: str, index: int) -> int:
    digest = hashlib.sha256(f"enko/{seed}/{split}/{index}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def draw_example(seed: int, split: str, index: int) -> dict:
    """Example `index` of `split`: English, Korean (morphemes and written), and the structure.

    `train`, `validation` and `test` never use a `HELD_OUT` structure; `heldout` uses only those.
    """
    rng = np.random.default_rng(example_seed(seed, split, index))
    if split == "heldout":
        en, ko, structure = sentence(rng, HELD_OUT[rng.integers(len(HELD_OUT))])
    else:
        while True:
            en, ko, structure = sentence(rng)
            if structure not in HELD_OUT:
                break
    return {"en": en, "ko_tokens": ko, "ko": join_korean(ko), "structure": ",".join(sorted(structure)) or "plain"}


def draw_split(seed: int, split: str, n: int) -> list[dict]:
    return [draw_example(seed, split, i) for i in range(n)]


# --8<-- [start:compositional]
# The compositional split: known words and constructions in positions the training grammar never puts
# them, each kind with the optional parts it needs (nested-relative asks for one of its two at random).
COMPOSITIONAL = {
    "object-relative-on-subject": ("subject_relative",),    # the dog that the girl saw slept
    "subject-relative-on-object": ("object_relative",),     # the girl saw the dog who ate the fish
    "adjective-across-classes": ("subject_adjective",),     # the red bird slept
    "nested-relative": ("subject_relative", "object_relative"),   # ... the book that the girl who met the boy bought
    "longer-coordination": (),                               # three clauses, where training has at most two
}
# Compositional sentences are no longer than 99 % of the training sentences, so length is not what they test.
COMPOSITIONAL_LONGEST = (29, 24)                             # English and Korean tokens


def compositional_example(seed: int, kind: str, index: int) -> dict:
    """Example `index` of the compositional split's `kind`: like `draw_example`, plus its `kind`.

    Drawn by the training grammar with the first clause switched to `kind` (`_clause`'s `compositional`),
    so its Korean is built by the same rules as always. The rest of the sentence is an ordinary one: a
    structure that is not `HELD_OUT`, one or two clauses (three for "longer-coordination")."""
    if kind not in COMPOSITIONAL:
        raise ValueError(f"unknown compositional kind {kind!r}; choose from {', '.join(COMPOSITIONAL)}")
    rng = np.random.default_rng(example_seed(seed, f"compositional/{kind}", index))
    while True:
        needs = COMPOSITIONAL[kind]
        structure = random_structure(rng) | ({needs[rng.integers(len(needs))]} if needs else set())
        if structure in HELD_OUT:
            continue
        en, ko, structure = sentence(rng, structure, 3 if kind == "longer-coordination" else None, kind)
        if len(en.split()) <= COMPOSITIONAL_LONGEST[0] and len(ko.split()) <= COMPOSITIONAL_LONGEST[1]:
            break
    return {"en": en, "ko_tokens": ko, "ko": join_korean(ko), "structure": ",".join(sorted(structure)),
            "kind": kind}


def compositional_split(seed: int, n_per_kind: int, kinds=tuple(COMPOSITIONAL)) -> list[dict]:
    """`n_per_kind` examples of each of `kinds`, never trained on: `{"en", "ko_tokens", "ko", "structure", "kind"}`."""
    return [compositional_example(seed, kind, i) for kind in kinds for i in range(n_per_kind)]
# --8<-- [end:compositional]


def load_builtin(train_size: int, val_size: int, test_size: int, heldout_size: int, seed: int) -> dict:
    """`{split: list of {"en", "ko_tokens", "ko", "structure"}}` for "train", "validation", "test" and "heldout",
    read from the TFDS builder in `datasets/enko_pairs` (prepared once under the book's cache), in drawing order."""
    from kerasbook.data import generated_splits
    from kerasbook.datasets.enko_pairs.enko_pairs_dataset_builder import Builder, PairsConfig

    sizes = {"train": train_size, "validation": val_size, "test": test_size, "heldout": heldout_size}
    config = PairsConfig.make(train_size, val_size, test_size, heldout_size, seed)
    splits = generated_splits(Builder, config, tuple(k for k, n in sizes.items() if n > 0))
    fields = ("en", "ko_tokens", "ko", "structure")
    return {k: [{f: v[f][i].decode() for f in fields} for i in range(len(v["en"]))] if k in splits else []
            for k, v in ((k, splits.get(k)) for k in sizes)}


def read_tsv_pairs(path, limit: int | None = None) -> list[tuple[str, str]]:
    """`(source, target)` pairs from a tab-separated file (the format of the Anki / manythings.org
    pairs translation tutorials use: `source<TAB>target[<TAB>attribution]`).

    Raises `ValueError` naming the first line that has fewer than two fields.
    """
    pairs = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            fields = line.split("\t")
            if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
                raise ValueError(f"line {number} of {path} is not 'source<TAB>target'")
            pairs.append((fields[0].strip(), fields[1].strip()))
            if limit is not None and len(pairs) >= limit:
                break
    return pairs
