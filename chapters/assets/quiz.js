/* kerasbook quizzes and practice exams: check every answer in the browser, keep progress, switch languages.
 *
 * The markup comes from kerasbook/quiz/html.py: every question is an
 * <li class="kb-q" data-type="..." data-spec="..."> inside <div class="kb-quiz">,
 * and data-spec is kerasbook.quiz.grading.check_spec(question) as JSON.
 * The first half of this file is grading.py's `grade` and its helpers
 * (normalise, spaced, parse_number, parse_shape, keyword_in, parse_letters),
 * rule for rule, so the site gives the verdict the command line gives; node
 * can load that half (`require("chapters/assets/quiz.js")`), which is how the
 * tests compare the two. The second half runs the page.
 * Plain JavaScript, no libraries, nothing fetched from the network.
 */
(function () {
  "use strict";

  // ==== Checking: kerasbook/quiz/grading.py ===================================

  // What Python calls whitespace (str.isspace, and \s in its patterns).
  var WS = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var S = "[" + WS + "]";
  var EDGES = new RegExp("^" + S + "+|" + S + "+$", "g");
  var RUNS = new RegExp(S + "+");

  // Where str.casefold() differs from str.lower() (Python's Unicode tables), besides Cherokee.
  var FOLD = {
    "\u00df":"ss","\u01f0":"j\u030c","\u0345":"\u03b9","\u0390":"\u03b9\u0308\u0301","\u03b0":"\u03c5\u0308\u0301",
    "\u03c2":"\u03c3","\u1c80":"\u0432","\u1c81":"\u0434","\u1c82":"\u043e","\u1c83":"\u0441","\u1c84":"\u0442",
    "\u1c85":"\u0442","\u1c86":"\u044a","\u1c87":"\u0463","\u1c88":"\ua64b","\u1e96":"h\u0331","\u1e97":"t\u0308",
    "\u1e98":"w\u030a","\u1e99":"y\u030a","\u1e9e":"ss","\u1f50":"\u03c5\u0313","\u1f52":"\u03c5\u0313\u0300",
    "\u1f54":"\u03c5\u0313\u0301","\u1f56":"\u03c5\u0313\u0342","\u1f80":"\u1f00\u03b9","\u1f81":"\u1f01\u03b9",
    "\u1f82":"\u1f02\u03b9","\u1f83":"\u1f03\u03b9","\u1f84":"\u1f04\u03b9","\u1f85":"\u1f05\u03b9",
    "\u1f86":"\u1f06\u03b9","\u1f87":"\u1f07\u03b9","\u1f88":"\u1f00\u03b9","\u1f89":"\u1f01\u03b9",
    "\u1f8a":"\u1f02\u03b9","\u1f8b":"\u1f03\u03b9","\u1f8c":"\u1f04\u03b9","\u1f8d":"\u1f05\u03b9",
    "\u1f8e":"\u1f06\u03b9","\u1f8f":"\u1f07\u03b9","\u1f90":"\u1f20\u03b9","\u1f91":"\u1f21\u03b9",
    "\u1f92":"\u1f22\u03b9","\u1f93":"\u1f23\u03b9","\u1f94":"\u1f24\u03b9","\u1f95":"\u1f25\u03b9",
    "\u1f96":"\u1f26\u03b9","\u1f97":"\u1f27\u03b9","\u1f98":"\u1f20\u03b9","\u1f99":"\u1f21\u03b9",
    "\u1f9a":"\u1f22\u03b9","\u1f9b":"\u1f23\u03b9","\u1f9c":"\u1f24\u03b9","\u1f9d":"\u1f25\u03b9",
    "\u1f9e":"\u1f26\u03b9","\u1f9f":"\u1f27\u03b9","\u1fa0":"\u1f60\u03b9","\u1fa1":"\u1f61\u03b9",
    "\u1fa2":"\u1f62\u03b9","\u1fa3":"\u1f63\u03b9","\u1fa4":"\u1f64\u03b9","\u1fa5":"\u1f65\u03b9",
    "\u1fa6":"\u1f66\u03b9","\u1fa7":"\u1f67\u03b9","\u1fa8":"\u1f60\u03b9","\u1fa9":"\u1f61\u03b9",
    "\u1faa":"\u1f62\u03b9","\u1fab":"\u1f63\u03b9","\u1fac":"\u1f64\u03b9","\u1fad":"\u1f65\u03b9",
    "\u1fae":"\u1f66\u03b9","\u1faf":"\u1f67\u03b9","\u1fb2":"\u1f70\u03b9","\u1fb3":"\u03b1\u03b9",
    "\u1fb4":"\u03ac\u03b9","\u1fb6":"\u03b1\u0342","\u1fb7":"\u03b1\u0342\u03b9","\u1fbc":"\u03b1\u03b9",
    "\u1fc2":"\u1f74\u03b9","\u1fc3":"\u03b7\u03b9","\u1fc4":"\u03ae\u03b9","\u1fc6":"\u03b7\u0342",
    "\u1fc7":"\u03b7\u0342\u03b9","\u1fcc":"\u03b7\u03b9","\u1fd2":"\u03b9\u0308\u0300","\u1fd6":"\u03b9\u0342",
    "\u1fd7":"\u03b9\u0308\u0342","\u1fe2":"\u03c5\u0308\u0300","\u1fe4":"\u03c1\u0313","\u1fe6":"\u03c5\u0342",
    "\u1fe7":"\u03c5\u0308\u0342","\u1ff2":"\u1f7c\u03b9","\u1ff3":"\u03c9\u03b9","\u1ff4":"\u03ce\u03b9",
    "\u1ff6":"\u03c9\u0342","\u1ff7":"\u03c9\u0342\u03b9","\u1ffc":"\u03c9\u03b9"
  };

  function casefold(text) {
    var out = "";
    for (var ch of text) {
      var cp = ch.codePointAt(0);
      if (cp >= 0x13a0 && cp <= 0x13f5) out += ch;                                   // Cherokee folds to capitals
      else if (cp >= 0x13f8 && cp <= 0x13fd) out += String.fromCodePoint(cp - 8);
      else if (cp >= 0xab70 && cp <= 0xabbf) out += String.fromCodePoint(cp - 0xab70 + 0x13a0);
      else out += FOLD.hasOwnProperty(ch) ? FOLD[ch] : ch.toLowerCase();
    }
    return out;
  }

  function strip(text) { return text.replace(EDGES, ""); }

  function folded(text) { return casefold(String(text).normalize("NFKC")); }

  function dashes(text) { return text.replace(/×/g, "x").replace(/−/g, "-").replace(/–/g, "-"); }

  // Python's \d and int()/float() take every Unicode decimal digit (category Nd).
  var ND = /\p{Nd}/u;
  function digitValue(ch) {
    var cp = ch.codePointAt(0);
    if (cp < 128) return cp - 48;
    var start = cp;                      // Nd digits come in aligned runs of 0-9
    while (ND.test(String.fromCodePoint(start - 1))) start--;
    return (cp - start) % 10;
  }
  function ascii(text) { return text.replace(/\p{Nd}/gu, function (d) { return String(digitValue(d)); }); }

  var DROP = new RegExp("[" + WS + "`'\"“”‘’()\\[\\]{}*·⋅]", "g");
  var ARTICLE = new RegExp("^(the|a|an)" + S + "+");

  /** grading.normalise */
  function normalise(text) {
    var t = dashes(strip(folded(text)));
    t = t.replace(ARTICLE, "").replace(DROP, "");
    return t.replace(/[.。!]+$/, "");
  }

  var PUNCT = /[`'"“”‘’()\[\]{}*·⋅,;:!?。]/g;

  /** grading.spaced */
  function spaced(text) {
    var t = dashes(folded(text)).replace(PUNCT, " ");
    t = t.split(RUNS).filter(function (w) { return w; }).join(" ");
    return t.replace(/^[ .]+|[ .]+$/g, "");
  }

  var D = "\\p{Nd}";
  var TAIL = S + "*[^" + D + "/^]*$";
  var HEDGE = new RegExp("^(?:약|대략|about|approx(?:imately|\\.)?|around|roughly|ca\\.)" + S + "*|^[≈~=]" + S + "*", "iu");
  var NUMBER = new RegExp("^([-+]?(?:" + D + "[" + D + ",_]*)?\\.?" + D + "+(?:e[-+]?" + D + "+)?)" + S + "*(%?)" + TAIL, "iu");
  var FRACTION = new RegExp("^([-+]?" + D + "+(?:\\." + D + "+)?)" + S + "*/" + S + "*(" + D + "+(?:\\." + D + "+)?)" + TAIL, "u");
  var POWER = new RegExp("^([-+]?" + D + "+(?:\\." + D + "+)?)" + S + "*(?:\\^|\\*\\*)" + S + "*\\(?([-+]?" + D + "+)\\)?" + TAIL, "u");

  /** grading.parse_number: `198,144`, `0.24`, `24%`, `≈ 1.43`, `약 28.44`, `1/1024`, `2^-10`, `9 steps`; null otherwise. */
  function parseNumber(text) {
    if (typeof text === "boolean") return null;
    if (typeof text === "number") return text;
    var t = strip(String(text).normalize("NFKC")).replace(/−/g, "-");
    t = strip(t.replace(HEDGE, ""));
    var m = FRACTION.exec(t);
    if (m) {
      var den = Number(ascii(m[2]));
      return den ? Number(ascii(m[1])) / den : null;
    }
    m = POWER.exec(t);
    if (m) {
      var base = Number(ascii(m[1])), exp = Number(ascii(m[2]));
      if (!isFinite(exp)) return null;                   // Python: int too large to convert to float
      var power = Math.pow(base, exp);
      if (!isFinite(base)) return power;                 // inf ** n is no error in Python
      return isFinite(power) ? power : null;             // OverflowError, ZeroDivisionError
    }
    m = NUMBER.exec(t);
    if (!m) return null;
    var value = Number(ascii(m[1]).replace(/[,_]/g, ""));
    if (isNaN(value)) return null;
    return m[2] ? value / 100 : value;
  }

  var BATCH_WORDS = ["b", "n", "none", "batch", "batchsize", "batch_size", "배치", "배치크기", "?"];
  var SHAPE_SPLIT = new RegExp(S + "*(?:,|×|x|\\*)" + S + "*");
  var SAID_SHAPE = /\p{Nd}x|x\p{Nd}|×|\*/u;

  /** grading.parse_shape: `(None, 6, 6, 8)`, `(배치, 6, 6, 8)`, `B×784`, `6 x 6 x 8` as "B,6,6,8"; null otherwise. */
  function parseShape(text) {
    var t = strip(folded(text)).replace(/\.+$/, "").replace(/−/g, "-");
    var bracketed = t.length >= 2 && "([".indexOf(t[0]) >= 0 && ")]".indexOf(t[t.length - 1]) >= 0;
    if (bracketed) t = t.slice(1, -1);
    var parts = strip(t).split(SHAPE_SPLIT).map(function (p) { return p.replace(/ /g, ""); });
    if (parts.length && parts[parts.length - 1] === "") parts.pop();           // "(8,)"
    if (!parts.length || parts.some(function (p) { return !p; })) return null;
    var dims = [];
    for (var i = 0; i < parts.length; i++) {
      var p = parts[i];
      if (/^\p{Nd}+$/u.test(p)) dims.push(ascii(p).replace(/^0+(?=\d)/, ""));
      else if (BATCH_WORDS.indexOf(p) >= 0) dims.push("B");
      else return null;
    }
    var said = bracketed || dims.indexOf("B") >= 0 || SAID_SHAPE.test(casefold(String(text)).replace(/ /g, ""));
    if (!said || (dims.length < 2 && !bracketed)) return null;
    return dims.join(",");
  }

  var LATIN = /^[a-z0-9][a-z0-9 .+-]*$/;

  /** grading.keyword_in: a Latin keyword as a whole word (plural allowed), a Korean one anywhere. */
  function keywordIn(keyword, text) {
    var k = spaced(keyword), said = spaced(text);
    if (!k) return false;
    if (LATIN.test(k)) {
      k = k.replace(/-/g, " ");
      said = said.replace(/-/g, " ");
      var escaped = k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      return new RegExp("(?<![a-z0-9])" + escaped + "(?:s|es)?(?![a-z0-9])").test(said);
    }
    return normalise(text).indexOf(normalise(keyword)) >= 0;
  }

  var LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  var LETTER_SEP = new RegExp("[" + WS + ",;/]");
  var LETTER_SEPS = new RegExp("[" + WS + ",;/]+");

  /** grading.parse_letters: "A, C", "ac", ["A", "C"] or "b)" as letters; null when it is not letters. */
  function parseLetters(response, n) {
    var tokens;
    if (Array.isArray(response)) tokens = response.map(String);
    else {
      var text = strip(String(response));
      tokens = LETTER_SEP.test(text) ? text.split(LETTER_SEPS) : Array.from(text.replace(/\)/g, "").replace(/\./g, ""));
    }
    var letters = [];
    for (var i = 0; i < tokens.length; i++) {
      var token = strip(tokens[i]).replace(/^[().]+|[().]+$/g, "").toUpperCase();
      if (!token) continue;
      if (Array.from(token).length !== 1 || LETTERS.slice(0, n).indexOf(token) < 0) return null;
      if (letters.indexOf(token) < 0) letters.push(token);
    }
    return letters.length ? letters : null;
  }

  function scoreOf(points, detail, detailKo) {
    points = Math.max(0, Math.min(1, Number(points)));
    var verdict = points >= 1 - 1e-9 ? "right" : points <= 1e-9 ? "wrong" : "partial";
    return { points: points, verdict: verdict, detail: detail || "", detail_ko: detailKo || "" };
  }

  var YES = ["y", "yes", "true", "1", "o", "ok", "네", "예", "응", "했음", "포함", "✓", "v"];
  var NO = ["n", "no", "false", "0", "-", "x", "✗", "아니오", "아니요", "없음", "안함"];

  function mark(value) {
    if (value === null || value === undefined || (typeof value === "string" && !strip(value))) return null;
    if (typeof value === "boolean") return value;
    if (typeof value === "number" && (value === 0 || value === 1)) return value === 1;
    var word = strip(folded(value));
    if (YES.indexOf(word) >= 0) return true;
    if (NO.indexOf(word) >= 0) return false;
    throw new Error(JSON.stringify(value) + " is neither yes nor no");
  }

  function isDict(x) { return x !== null && typeof x === "object" && !Array.isArray(x); }

  /** grading._self_assessment: the rubric points an essay's `covered` marks (or `points`) make; null when unmarked. */
  function selfAssessment(response) {
    var covered = response.covered;
    if (isDict(covered)) {
      var keys = Object.keys(covered).sort(function (a, b) {
        return (Number(ascii(a).replace(/\D/g, "")) || 0) - (Number(ascii(b).replace(/\D/g, "")) || 0);
      });
      covered = keys.map(function (k) { return covered[k]; });
    }
    if (Array.isArray(covered)) {
      var marks = covered.map(mark);
      if (marks.some(function (m) { return m !== null; })) return marks.filter(Boolean).length;
    } else if (covered !== null && covered !== undefined) {
      throw new Error("`covered` must list one yes/no per rubric point");
    }
    var points = response.points;
    if (points === null || points === undefined || (typeof points === "string" && !strip(points))) return null;
    var value = parseNumber(points);
    if (value === null) throw new Error("self-score " + JSON.stringify(points) + " is not a number");
    return value;
  }

  function isBlank(response) {
    if (response === null || response === undefined) return true;
    if (Array.isArray(response)) return !response.length;
    if (isDict(response)) {
      var marked;
      try { marked = selfAssessment(response) !== null; } catch (err) { marked = true; }   // grade reports a bad mark
      return isBlank(response.text) && !marked;
    }
    return !strip(String(response));
  }

  function matchesWritten(spec, response) {
    var said = normalise(response), number = parseNumber(response), shape = parseShape(response);
    if (spec.texts.indexOf(said) >= 0) return true;
    if (number !== null && spec.numbers.some(function (a) { return Math.abs(a - number) <= 1e-9 * Math.max(1, Math.abs(a)); })) return true;
    if (shape !== null && spec.shapes.indexOf(shape) >= 0) return true;
    if (spec.keywords.length) {
      return spec.keywords.every(function (group) { return group.some(function (w) { return keywordIn(w, response); }); });
    }
    return false;
  }

  /** grading.rubric_hits: which rubric points an essay mentions by their key terms (a hint, never a grade). */
  function rubricHits(spec, text) {
    return spec.keywords.map(function (words) { return words.some(function (k) { return keywordIn(k, text); }); });
  }

  /** grading.grade: `response` is a letter, a list of letters, a string, or for essays {text, covered}. */
  function grade(spec, response) {
    if (isBlank(response)) return { points: 0, verdict: "unanswered", detail: "no answer", detail_ko: "답 없음" };
    var letters;
    if (spec.type === "single") {
      letters = parseLetters(response, spec.choices);
      if (!letters) {
        var i = spec.texts.findIndex(function (pair) { return pair.indexOf(normalise(response)) >= 0; });
        letters = i >= 0 ? [LETTERS[i]] : null;
      }
      if (!letters) return scoreOf(0, "not one of the letters", "보기 글자가 아님");
      if (letters.length > 1) return scoreOf(0, "only one choice is right here", "정답은 하나뿐임");
      return scoreOf(letters[0] === spec.answer[0] ? 1 : 0);
    }
    if (spec.type === "multiple") {
      letters = parseLetters(response, spec.choices);
      if (!letters) return scoreOf(0, "not a list of letters", "보기 글자의 목록이 아님");
      var hits = letters.filter(function (x) { return spec.answer.indexOf(x) >= 0; }).length;
      var misses = letters.length - hits;
      var all = spec.answer.length;
      return scoreOf((hits - misses) / all, hits + " of " + all + " right choices picked, " + misses + " wrong",
                     "정답 " + all + "개 중 " + hits + "개 고름, 오답 " + misses + "개");
    }
    if (spec.type === "numeric") {
      var value = parseNumber(response);
      if (value === null) return scoreOf(0, "not a number", "숫자가 아님");
      var tol = spec.tolerance;
      return scoreOf(Math.abs(value - spec.value) <= Math.max(tol.abs, tol.rel * Math.abs(spec.value)) ? 1 : 0);
    }
    if (spec.type === "short" || spec.type === "code") return scoreOf(matchesWritten(spec, response) ? 1 : 0);
    // Essays: only the student's own comparison with the rubric scores; key terms are a hint.
    var text = isDict(response) ? String(response.text || "") : String(response || "");
    var n = spec.rubric, made;
    try {
      made = isDict(response) ? selfAssessment(response) : null;
    } catch (err) {
      return { points: 0, verdict: "pending", detail: err.message + "; mark each rubric point yes or no",
               detail_ko: "채점 기준마다 yes 또는 no로 표시하세요" };
    }
    if (made === null) {
      var hint = rubricHits(spec, text).filter(Boolean).length;
      return { points: 0, verdict: "pending", hint: hint,
               detail: "not self-assessed yet; mentions key terms of " + hint + " of " + n + " rubric points",
               detail_ko: "아직 스스로 채점하지 않음, 채점 기준 " + n + "개 중 " + hint + "개의 핵심어가 보임" };
    }
    if (!(made >= 0 && made <= n)) {
      return { points: 0, verdict: "pending", detail: "self-score is not a number of points from 0 to " + n,
               detail_ko: "자기 채점 점수가 0부터 " + n + " 사이가 아님" };
    }
    return scoreOf(made / n, "self-assessed: " + made + " of " + n + " rubric points",
                   "자기 채점: 채점 기준 " + n + "개 중 " + made + "개");
  }

  var CHECK = {
    normalise: normalise, spaced: spaced, parseNumber: parseNumber, parseShape: parseShape,
    keywordIn: keywordIn, parseLetters: parseLetters, rubricHits: rubricHits, grade: grade
  };
  if (typeof module !== "undefined" && module.exports) module.exports = CHECK;
  if (typeof window === "undefined" || typeof document === "undefined") return;
  window.kerasbookQuiz = CHECK;

  // ==== The page: chapter quizzes and practice exams ============================

  var LANG_KEY = "kerasbook-quiz-lang";
  var DONE = ["right", "partial", "wrong"];

  var TEXT = {
    right: ["Right!", "정답입니다!"],
    stillRight: ["Right! (You had already answered this one; that choice is not the answer.)",
                 "정답입니다! (이미 맞힌 문제입니다. 방금 고른 보기는 정답이 아닙니다.)"],
    wrong: ["Not quite, try again.", "틀렸습니다. 다시 해 보세요."],
    wrongWritten: ["Not quite: read the explanation below.", "틀렸습니다. 아래 해설을 읽어 보세요."],
    wrongExam: ["Wrong.", "틀렸습니다."],
    pickOne: ["Pick at least one choice first.", "먼저 보기를 하나 이상 고르세요."],
    write: ["Write an answer first.", "먼저 답을 쓰세요."],
    unanswered: ["Not answered.", "답하지 않았습니다."],
    notNumber: function (s) {
      return ["“" + s + "” is not a number; write e.g. 4352, 0.24, 1/1024 or 2^-10.",
              "“" + s + "”은(는) 숫자가 아닙니다. 예: 4352, 0.24, 1/1024, 2^-10"];
    },
    partial: function (hit, all, extra) {
      return ["Partly right: " + hit + " of " + all + " right choices" + (extra ? ", " + extra + " wrong" : "") + ". Try again.",
              "부분 정답: 정답 " + all + "개 중 " + hit + "개" + (extra ? ", 오답 " + extra + "개" : "") + ". 다시 해 보세요."];
    },
    partialExam: function (hit, all, extra) {
      return ["Partly right: " + hit + " of " + all + " right choices" + (extra ? ", " + extra + " wrong" : "") + ".",
              "부분 정답: 정답 " + all + "개 중 " + hit + "개" + (extra ? ", 오답 " + extra + "개" : "") + "."];
    },
    tick: ["Compare your answer with the model answer below, tick each rubric point it makes, then press “Score my essay”.",
           "아래 모범 답안과 비교해 답안이 담은 채점 기준에 표시한 뒤 “자기 채점 반영”을 누르세요."],
    hint: function (k, n) {
      return ["Hint: your answer mentions key terms of " + k + " of " + n + " points. Only your ticks score it.",
              "힌트: 채점 기준 " + n + "개 중 " + k + "개의 핵심어가 보입니다. 점수는 직접 표시한 항목으로만 매깁니다."];
    },
    essay: function (m, n) {
      return ["Self-assessed: " + m + " of " + n + " rubric points.", "자기 채점: 채점 기준 " + n + "개 중 " + m + "개."];
    },
    progress: function (a, p, r, n) {
      return [a + " answered · " + p + (p === "1" ? " point · " : " points · ") + r + " to review (of " + n + " questions)",
              a + "문제 답함 · " + p + "점 · 복습할 문제 " + r + "개 (전체 " + n + "문제)"];
    },
    review: ["Review the ones I missed", "틀린 문제만 보기"],
    reviewAll: ["Show every question", "모든 문제 보기"],
    key: ["Show the key", "정답 보기"],
    hideKey: ["Hide the key", "정답 숨기기"],
    examBefore: function (a, n) {
      return [a + " of " + n + " answered · press “Grade my exam” at the end",
              n + "문제 중 " + a + "문제 답함 · 끝의 “채점하기”를 누르세요"];
    },
    examScore: function (auto, autoMax, essays, essayMax, waiting) {
      return ["Automatic part: " + auto + " / " + autoMax + " · Essays (self-assessed): " + essays + " / " + essayMax +
              (waiting ? " · " + waiting + " essay" + (waiting > 1 ? "s" : "") + " not self-assessed yet" : ""),
              "자동 채점: " + auto + " / " + autoMax + " · 서술형(자기 채점): " + essays + " / " + essayMax +
              (waiting ? " · 자기 채점 전 서술형 " + waiting + "개" : "")];
    }
  };

  function both(el, pair, prefix) {
    el.textContent = "";
    [["en", pair[0]], ["ko", pair[1]]].forEach(function (lang) {
      var span = document.createElement("span");
      span.lang = lang[0];
      span.textContent = (prefix || "") + lang[1];
      el.appendChild(span);
    });
  }

  function points(x) { return String(Math.round(x * 100) / 100); }

  // -- state kept in localStorage: {graded?, q: {id: {v: verdict, p: points, a: answer}}} --

  function storageKey(quiz) {
    var key = quiz.getAttribute("data-store");
    return quiz.kb.exam ? key + ":" + quiz.kb.seed : key;
  }
  function readStore(key, fallback) {
    try { var raw = window.localStorage.getItem(key); return raw ? JSON.parse(raw) : fallback; }
    catch (e) { return fallback; }                                  // private mode, or a mangled entry
  }
  function writeStore(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* private mode: progress lasts as long as the page */ }
  }
  function save(quiz) { if (!quiz.kb.quiet) writeStore(storageKey(quiz), quiz.kb.state); }

  function record(quiz, q, verdict, pts, answer) {
    var entry = quiz.kb.state.q[q.kbId] || {};
    if (verdict !== undefined) { entry.v = verdict; entry.p = pts; }
    if (answer !== undefined) entry.a = answer;
    quiz.kb.state.q[q.kbId] = entry;
  }

  // -- one question --------------------------------------------------------------

  function spec(q) {
    if (!q.kbSpec) q.kbSpec = JSON.parse(q.getAttribute("data-spec"));
    return q.kbSpec;
  }

  function say(q, verdict, pair) {
    var box = q.querySelector(".kb-q-feedback");
    box.className = "kb-q-feedback kb-" + verdict;
    var mark = { right: "✓ ", wrong: "✗ ", partial: "◐ ", pending: "✎ " }[verdict] || "";
    both(box, pair, mark);
  }

  function setVerdict(q, verdict) {
    if (verdict && verdict !== "unanswered") q.setAttribute("data-state", verdict);
    else q.removeAttribute("data-state");
  }

  function reveal(q, open) {
    var details = q.querySelector("details.kb-q-reveal");
    if (!details) return;
    details.open = open;
    if (open) q.setAttribute("data-revealed", "1"); else q.removeAttribute("data-revealed");
  }

  function input(q) { return q.querySelector(".kb-q-input"); }

  function ticks(q) {
    return Array.prototype.map.call(q.querySelectorAll("input.kb-tick"), function (box) { return box.checked; });
  }

  /** The student's answer as `grade` takes it. */
  function answerOf(q) {
    var type = q.getAttribute("data-type");
    if (type === "single") return q.kbPicked || "";
    if (type === "multiple") {
      return Array.prototype.filter.call(q.querySelectorAll(".kb-q-choices input[type=checkbox]"), function (b) { return b.checked; })
        .map(function (b) { return b.value; });
    }
    if (type === "essay") return { text: input(q).value, covered: q.kbScored ? ticks(q) : null };
    return input(q).value;
  }

  function markChoices(q, letters, right) {
    q.querySelectorAll(".kb-choice").forEach(function (c) { c.classList.remove("kb-right", "kb-wrong", "kb-picked"); });
    letters.forEach(function (letter) {
      var el = q.querySelector('button.kb-choice[data-letter="' + letter + '"]') ||
               (q.querySelector('input[type=checkbox][value="' + letter + '"]') || {}).parentElement;
      if (el) el.classList.add(right === null ? "kb-picked" : right.indexOf(letter) >= 0 ? "kb-right" : "kb-wrong");
    });
  }

  /** Grade one question from what the page shows, show the verdict and record it. */
  function check(quiz, q) {
    var exam = quiz.kb.exam, type = q.getAttribute("data-type"), s = spec(q);
    var answer = answerOf(q), score = grade(s, answer);
    if (type === "essay") return checkEssay(quiz, q, score);
    if (type === "single" || type === "multiple") markChoices(q, [].concat(answer), s.answer);
    if (score.verdict === "unanswered") {
      say(q, "unanswered", exam ? TEXT.unanswered : type === "multiple" ? TEXT.pickOne : TEXT.write);
      setVerdict(q, null);
      if (!exam) reveal(q, false);
    } else {
      var pair = TEXT.right;
      if (score.verdict === "partial") {
        var hit = [].concat(answer).filter(function (x) { return s.answer.indexOf(x) >= 0; }).length;
        pair = (exam ? TEXT.partialExam : TEXT.partial)(hit, s.answer.length, answer.length - hit);
      } else if (score.verdict === "wrong") {
        pair = type === "numeric" && parseNumber(answer) === null ? TEXT.notNumber(strip(String(answer)))
          : exam ? TEXT.wrongExam : type === "single" || type === "multiple" ? TEXT.wrong : TEXT.wrongWritten;
      }
      say(q, score.verdict, pair);
      setVerdict(q, score.verdict);
      // A wrong answer shows the explanation and the section to reread; so does a right one in a chapter quiz.
      reveal(q, !exam || score.verdict !== "right" || quiz.classList.contains("kb-show-key"));
    }
    record(quiz, q, score.verdict, score.points, answer);
    return score;
  }

  function checkEssay(quiz, q, score) {
    var s = spec(q), text = input(q).value;
    var hint = q.querySelector(".kb-q-hint");
    var k = rubricHits(s, text).filter(Boolean).length;
    if (hint) both(hint, TEXT.hint(k, s.rubric));
    if (score.verdict === "unanswered" && !quiz.kb.exam) {
      say(q, "unanswered", TEXT.write);                 // write first, then compare
      return score;
    }
    if (score.verdict === "pending") say(q, "pending", TEXT.tick);
    else if (score.verdict === "unanswered") say(q, "unanswered", TEXT.unanswered);
    else say(q, score.verdict, TEXT.essay(Math.round(score.points * s.rubric), s.rubric));
    setVerdict(q, score.verdict === "pending" ? null : score.verdict);
    reveal(q, true);
    record(quiz, q, score.verdict, score.points, { text: text, covered: q.kbScored ? ticks(q) : null, open: true });
    return score;
  }

  /** A chapter quiz's single choice: checked at once; once right, it stays right. */
  function chooseSingle(quiz, q, letter) {
    if (quiz.kb.exam) {
      q.kbPicked = letter;
      if (quiz.kb.state.graded) check(quiz, q);
      else { markChoices(q, [letter], null); record(quiz, q, undefined, undefined, letter); }
      return;
    }
    if (q.getAttribute("data-state") === "right") {
      // Trying the other choices after the right one is exploring, not answering again.
      var button = q.querySelector('button.kb-choice[data-letter="' + letter + '"]');
      if (letter !== spec(q).answer[0]) { button.classList.add("kb-wrong"); say(q, "right", TEXT.stillRight); }
      else say(q, "right", TEXT.right);
      return;
    }
    q.kbPicked = letter;
    check(quiz, q);
  }

  function resetQuestion(q) {
    q.kbPicked = "";
    q.kbScored = false;
    q.querySelectorAll(".kb-choice").forEach(function (c) { c.classList.remove("kb-right", "kb-wrong", "kb-picked"); });
    q.querySelectorAll("input[type=checkbox]").forEach(function (b) { b.checked = false; });
    var field = input(q);
    if (field) field.value = "";
    var box = q.querySelector(".kb-q-feedback");
    box.className = "kb-q-feedback";
    box.textContent = "";
    var hint = q.querySelector(".kb-q-hint");
    if (hint) hint.textContent = "";
    setVerdict(q, null);
    reveal(q, false);
  }

  /** Put a recorded answer back on the page and show its verdict again. */
  function restoreQuestion(quiz, q, entry) {
    var type = q.getAttribute("data-type"), a = entry.a;
    if (a === undefined || a === null) return;
    if (type === "single") {
      if (quiz.kb.exam) { chooseSingle(quiz, q, a); return; }
      q.kbPicked = a;
      if (entry.v) check(quiz, q);
      return;
    }
    if (type === "multiple") {
      q.querySelectorAll(".kb-q-choices input[type=checkbox]").forEach(function (b) { b.checked = a.indexOf(b.value) >= 0; });
    } else if (type === "essay") {
      input(q).value = a.text || "";
      if (Array.isArray(a.covered)) {
        q.kbScored = true;
        q.querySelectorAll("input.kb-tick").forEach(function (b, i) { b.checked = !!a.covered[i]; });
      }
      if (a.open) { check(quiz, q); return; }
    } else {
      input(q).value = a;
    }
    if (entry.v && !quiz.kb.exam) check(quiz, q);
    else {
      if (type === "multiple") markChoices(q, a, null);
      record(quiz, q, undefined, undefined, a);
    }
  }

  // -- the whole quiz ------------------------------------------------------------

  function questions(quiz) {
    var all = Array.prototype.slice.call(quiz.querySelectorAll(".kb-q"));
    return quiz.kb.exam ? all.filter(function (q) { return !q.hidden; }) : all;
  }

  function progress(quiz) {
    var line = quiz.querySelector(".kb-quiz-progress");
    if (!line) return;
    var qs = questions(quiz), state = quiz.kb.state.q;
    if (quiz.kb.exam) {
      if (!quiz.kb.state.graded) {
        var answered = qs.filter(function (q) { return !isBlank(answerOf(q)); }).length;
        both(line, TEXT.examBefore(answered, qs.length));
        return;
      }
      var auto = 0, autoMax = 0, essays = 0, essayMax = 0, waiting = 0;
      qs.forEach(function (q) {
        var entry = state[q.kbId] || {}, p = DONE.indexOf(entry.v) >= 0 ? entry.p : 0;
        if (q.getAttribute("data-type") === "essay") {
          essayMax += 1; essays += p;
          if (DONE.indexOf(entry.v) < 0) waiting += 1;
        } else { autoMax += 1; auto += p; }
      });
      both(line, TEXT.examScore(points(auto), autoMax, points(essays), essayMax, waiting));
      return;
    }
    var done = 0, total = 0, review = 0;
    qs.forEach(function (q) {
      var entry = state[q.kbId];
      if (!entry || DONE.indexOf(entry.v) < 0) return;
      done += 1; total += entry.p;
      if (entry.v !== "right") review += 1;
    });
    both(line, TEXT.progress(done, points(total), review, qs.length));
  }

  function changed(quiz) { save(quiz); progress(quiz); }

  function setLanguage(quiz, lang) {
    quiz.setAttribute("data-lang", lang);
    quiz.querySelectorAll(".kb-quiz-langs button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-lang") === lang));
    });
    quiz.querySelectorAll("[data-ph-en]").forEach(function (field) {
      field.placeholder = field.getAttribute("data-ph-" + lang);
      field.setAttribute("aria-label", lang === "ko" ? "답" : "your answer");
    });
    try { window.localStorage.setItem(LANG_KEY, lang); } catch (e) { /* private mode */ }
  }

  function toggleButton(button, on, pairOn, pairOff) {
    button.setAttribute("aria-pressed", String(on));
    both(button, on ? pairOn : pairOff);
  }

  function showKey(quiz, on) {
    quiz.classList.toggle("kb-show-key", on);
    toggleButton(quiz.querySelector(".kb-key"), on, TEXT.hideKey, TEXT.key);
    questions(quiz).forEach(function (q) {
      var details = q.querySelector("details.kb-q-reveal");
      details.open = on || q.hasAttribute("data-revealed");
    });
  }

  /** Start from what was saved for this quiz (and, on an exam page, this seed). */
  function restore(quiz) {
    quiz.kb.quiet = true;
    var saved = readStore(storageKey(quiz), null);
    quiz.kb.state = saved && saved.q ? saved : { q: {} };
    quiz.classList.remove("kb-graded");
    questions(quiz).forEach(function (q) {
      var entry = quiz.kb.state.q[q.kbId];
      if (entry) restoreQuestion(quiz, q, entry);
    });
    if (quiz.kb.exam && quiz.kb.state.graded) gradeExam(quiz);
    quiz.kb.quiet = false;
    progress(quiz);
  }

  function reset(quiz) {
    quiz.querySelectorAll(".kb-q").forEach(resetQuestion);
    quiz.kb.state = { q: {} };
    quiz.classList.remove("kb-graded");
    writeStore(storageKey(quiz), null);
    if (quiz.kb.exam && quiz.classList.contains("kb-show-key")) showKey(quiz, false);
    progress(quiz);
  }

  // -- practice exams ------------------------------------------------------------

  /** Show the 30 questions `exam --seed N` draws, in its order, numbered 1-30. */
  function layout(quiz, seed) {
    var ids = quiz.kb.draws[seed];
    quiz.querySelectorAll(".kb-q").forEach(function (q) { q.hidden = true; });
    ids.forEach(function (id, i) {
      var q = document.getElementById("quiz-" + id);
      q.hidden = false;
      q.parentNode.appendChild(q);
      q.querySelector(".kb-q-number").textContent = (i + 1) + ".";
    });
    quiz.querySelectorAll(".kb-exam-seed-shown").forEach(function (el) { el.textContent = seed; });
    var select = quiz.querySelector("select.kb-seed");
    if (select) select.value = seed;
  }

  function setSeed(quiz, seed) {
    quiz.querySelectorAll(".kb-q").forEach(resetQuestion);
    quiz.kb.seed = seed;
    writeStore(quiz.getAttribute("data-store") + ":seed", seed);
    if (window.history && window.history.replaceState) window.history.replaceState(null, "", "#seed=" + seed);
    layout(quiz, seed);
    if (quiz.classList.contains("kb-show-key")) showKey(quiz, true);
    restore(quiz);
  }

  function gradeExam(quiz) {
    quiz.kb.state.graded = true;
    quiz.classList.add("kb-graded");
    questions(quiz).forEach(function (q) { check(quiz, q); });
  }

  function initialSeed(quiz) {
    var m = /(?:^#|&)seed=(\d+)/.exec(window.location.hash);
    var saved = readStore(quiz.getAttribute("data-store") + ":seed", null);
    var seed = m ? m[1] : saved !== null ? String(saved) : Object.keys(quiz.kb.draws)[0];
    return quiz.kb.draws[seed] ? seed : Object.keys(quiz.kb.draws)[0];
  }

  // -- wiring ----------------------------------------------------------------------

  function onClick(quiz, event) {
    var target = event.target;
    var lang = target.closest(".kb-quiz-langs button");
    if (lang) { setLanguage(quiz, lang.getAttribute("data-lang")); return; }
    if (target.closest(".kb-reset")) { reset(quiz); return; }
    if (target.closest(".kb-review")) {
      var on = !quiz.classList.contains("kb-reviewing");
      quiz.classList.toggle("kb-reviewing", on);
      toggleButton(target.closest(".kb-review"), on, TEXT.reviewAll, TEXT.review);
      return;
    }
    if (target.closest(".kb-key")) { showKey(quiz, !quiz.classList.contains("kb-show-key")); return; }
    if (target.closest(".kb-print")) { window.print(); return; }
    if (target.closest(".kb-grade")) { gradeExam(quiz); changed(quiz); return; }
    var q = target.closest(".kb-q");
    if (!q) return;
    var type = q.getAttribute("data-type");
    var choice = target.closest("button.kb-choice");
    if (choice && type === "single") { chooseSingle(quiz, q, choice.getAttribute("data-letter")); changed(quiz); return; }
    if (target.closest(".kb-check")) { check(quiz, q); changed(quiz); return; }
    if (target.closest(".kb-compare")) { check(quiz, q); changed(quiz); return; }
    if (target.closest(".kb-score")) { q.kbScored = true; check(quiz, q); changed(quiz); return; }
  }

  function onInput(quiz, event) {
    var q = event.target.closest(".kb-q");
    if (!q || !quiz.contains(q)) return;
    var type = q.getAttribute("data-type");
    if (event.target.classList.contains("kb-tick")) {
      if (q.kbScored) { check(quiz, q); changed(quiz); }          // a scored essay follows its ticks
      return;
    }
    if (type === "multiple" && quiz.kb.exam) {
      if (quiz.kb.state.graded) check(quiz, q);
      else { markChoices(q, answerOf(q), null); record(quiz, q, undefined, undefined, answerOf(q)); }
      changed(quiz);
      return;
    }
    if (!event.target.classList.contains("kb-q-input")) return;
    if (type === "essay") {
      var entry = quiz.kb.state.q[q.kbId] || {};
      if (q.hasAttribute("data-revealed")) check(quiz, q);          // keeps the key-term hint current
      else record(quiz, q, undefined, undefined, { text: input(q).value, covered: null, open: !!(entry.a && entry.a.open) });
      changed(quiz);
    } else if (quiz.kb.exam) {
      if (quiz.kb.state.graded) check(quiz, q);
      else record(quiz, q, undefined, undefined, input(q).value);
      changed(quiz);
    }
  }

  function init() {
    var lang = null;
    try { lang = window.localStorage.getItem(LANG_KEY); } catch (e) { /* private mode */ }
    document.querySelectorAll(".kb-quiz").forEach(function (quiz) {
      if (quiz.getAttribute("data-ready")) return;
      quiz.setAttribute("data-ready", "1");
      quiz.kb = { exam: quiz.getAttribute("data-mode") === "exam", state: { q: {} } };
      quiz.querySelectorAll(".kb-q").forEach(function (q) { q.kbId = q.id.replace(/^quiz-/, ""); });
      setLanguage(quiz, lang === "ko" ? "ko" : "en");
      quiz.addEventListener("click", function (event) { onClick(quiz, event); });
      // Text fields report every keystroke (input); tick boxes and choices report once (change).
      quiz.addEventListener("input", function (event) { if (event.target.type !== "checkbox") onInput(quiz, event); });
      quiz.addEventListener("change", function (event) { if (event.target.type === "checkbox") onInput(quiz, event); });
      quiz.addEventListener("keydown", function (event) {
        if (event.key !== "Enter" || event.isComposing || event.target.tagName !== "INPUT" ||
            !event.target.classList.contains("kb-q-input")) return;
        event.preventDefault();
        if (quiz.kb.exam) return;                       // an exam is graded as a whole
        check(quiz, event.target.closest(".kb-q"));
        changed(quiz);
      });
      if (quiz.kb.exam) {
        quiz.kb.draws = JSON.parse(quiz.getAttribute("data-draws"));
        var select = quiz.querySelector("select.kb-seed");
        if (select) select.addEventListener("change", function () { setSeed(quiz, select.value); });
        setSeed(quiz, initialSeed(quiz));
      } else {
        restore(quiz);
      }
    });
  }

  // Material's instant navigation swaps pages without a reload; document$ tells us when.
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(init);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
