/* kerasbook quizzes: check choice questions in the browser, switch languages.
 *
 * The quiz markup comes from kerasbook/quiz/html.py: every question is an
 * <li class="kb-q" data-type="..." data-answer="..."> inside <div class="kb-quiz">.
 * Plain JavaScript, no libraries, nothing fetched from the network.
 */
(function () {
  "use strict";

  var TEXT = {
    right: { en: "Right!", ko: "정답입니다!" },
    wrong: { en: "Not quite, try again.", ko: "틀렸습니다. 다시 골라 보세요." },
    none: { en: "Pick at least one choice first.", ko: "먼저 보기를 하나 이상 고르세요." },
    partial: {
      en: function (hit, all, extra) {
        return "Partly right: " + hit + " of " + all + " right choices" + (extra ? ", " + extra + " wrong" : "") + ". Try again.";
      },
      ko: function (hit, all, extra) {
        return "부분 정답: 정답 " + all + "개 중 " + hit + "개" + (extra ? ", 오답 " + extra + "개" : "") + ". 다시 해 보세요.";
      }
    }
  };

  function say(question, verdict, en, ko) {
    var box = question.querySelector(".kb-q-feedback");
    box.className = "kb-q-feedback kb-" + verdict;
    box.textContent = "";
    [["en", en], ["ko", ko]].forEach(function (pair) {
      var span = document.createElement("span");
      span.lang = pair[0];
      span.textContent = (verdict === "right" ? "✓ " : verdict === "wrong" ? "✗ " : "◐ ") + pair[1];
      box.appendChild(span);
    });
    var explain = question.querySelector(".kb-q-explain");
    if (explain) explain.hidden = verdict !== "right";
    question.setAttribute("data-state", verdict);
  }

  function checkSingle(question, button) {
    var right = button.getAttribute("data-letter") === question.getAttribute("data-answer");
    button.classList.add(right ? "kb-right" : "kb-wrong");
    if (right) say(question, "right", TEXT.right.en, TEXT.right.ko);
    else say(question, "wrong", TEXT.wrong.en, TEXT.wrong.ko);
  }

  function checkMultiple(question) {
    var answer = question.getAttribute("data-answer").split(",");
    var picked = [];
    question.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      box.closest(".kb-choice").classList.remove("kb-right", "kb-wrong");
      if (box.checked) picked.push(box.value);
    });
    if (!picked.length) {
      say(question, "partial", TEXT.none.en, TEXT.none.ko);
      return;
    }
    var hit = picked.filter(function (x) { return answer.indexOf(x) >= 0; }).length;
    var extra = picked.length - hit;
    question.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
      box.closest(".kb-choice").classList.add(answer.indexOf(box.value) >= 0 ? "kb-right" : "kb-wrong");
    });
    if (hit === answer.length && extra === 0) say(question, "right", TEXT.right.en, TEXT.right.ko);
    else if (hit === 0) say(question, "wrong", TEXT.wrong.en, TEXT.wrong.ko);
    else say(question, "partial", TEXT.partial.en(hit, answer.length, extra), TEXT.partial.ko(hit, answer.length, extra));
  }

  function setLanguage(quiz, lang) {
    quiz.setAttribute("data-lang", lang);
    quiz.querySelectorAll(".kb-quiz-langs button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-lang") === lang));
    });
    try { window.localStorage.setItem("kerasbook-quiz-lang", lang); } catch (e) { /* private mode */ }
  }

  function init() {
    var saved = null;
    try { saved = window.localStorage.getItem("kerasbook-quiz-lang"); } catch (e) { /* private mode */ }
    document.querySelectorAll(".kb-quiz").forEach(function (quiz) {
      if (quiz.getAttribute("data-ready")) return;
      quiz.setAttribute("data-ready", "1");
      setLanguage(quiz, saved === "ko" ? "ko" : "en");
      quiz.addEventListener("click", function (event) {
        var lang = event.target.closest(".kb-quiz-langs button");
        if (lang) { setLanguage(quiz, lang.getAttribute("data-lang")); return; }
        var question = event.target.closest(".kb-q");
        if (!question) return;
        var choice = event.target.closest("button.kb-choice");
        if (choice && question.getAttribute("data-type") === "single") { checkSingle(question, choice); return; }
        if (event.target.closest(".kb-check")) checkMultiple(question);
      });
    });
  }

  // Material's instant navigation swaps pages without a reload; document$ tells us when.
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(init);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
