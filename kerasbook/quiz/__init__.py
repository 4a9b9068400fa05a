"""Exam-prep quizzes: question banks, a terminal quiz, exams that grade, and the site's quiz.

Each chapter ships a question bank, `kerasbook/quiz/banks/chNN.yaml`, written
against the schema in `kerasbook.quiz.schema`. Answers the code can work out
are computed from the chapter's real code (`kerasbook.quiz.computed`), and
code-reading questions cut their snippets from the source when the bank loads.

Run `python -m kerasbook.quiz --help` for the command line:

    python -m kerasbook.quiz list                      # the banks and their questions
    python -m kerasbook.quiz validate                  # check every bank
    python -m kerasbook.quiz run ch07 --n 5            # a quiz in the terminal
    python -m kerasbook.quiz exam --chapters ch07 --seed 3 --format markdown
    python -m kerasbook.quiz grade sheet.yaml          # grade a filled answer sheet
    python -m kerasbook.quiz report                    # weakest tags, sections to reread

The same banks become the quiz at the end of every chapter page
(`kerasbook.quiz.html`, wired into the site by `kerasbook/quiz/mkdocs_hook.py`).
"""

PROG = "python -m kerasbook.quiz"      # the command line, as help texts, messages and answer sheets spell it
