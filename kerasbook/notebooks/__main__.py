"""`python -m kerasbook.notebooks [CHAPTER ...] [--check]`: build `notebooks/chNN_name.ipynb` from its `.py`.

Every chapter's notebook is made by `kerasbook.notebooks.build` from its
py:percent source and the cells all notebooks share, and committed without
outputs. Name chapters (`ch07`, `7`, `ch07_crnn`) to build only theirs.
With `--check` nothing is written: the command lists each notebook
that is missing or differs from what its source makes and exits 1 (the tests
run the same check).
"""

from __future__ import annotations

import sys

from kerasbook import cli

PROG = "python -m kerasbook.notebooks"


def _main(argv):
    parser = cli.OneLineParser(prog=PROG, description="Build every chapter's notebook from its py:percent source.")
    parser.add_argument("chapters", nargs="*", help="only these chapters (default: every chapter)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a committed notebook differs from what its source makes")
    args = parser.parse_args(argv)
    try:
        from kerasbook.notebooks import build
    except ImportError as err:                        # jupytext is a test and docs extra, not a run dependency
        raise cli.UsageError(f"{err.name} is missing: pip install -e \".[test]\"") from None
    from kerasbook.chapters import chapters, resolve

    named = {resolve(c) for c in args.chapters}
    book = [c for c in chapters() if c.module in named] if named else None
    try:
        if args.check:
            problems = build.stale(book)
            for line in problems:
                print(line)
            if problems:
                print(f"run `{PROG}` to rebuild them", file=sys.stderr)
                return 1
            print(f"every notebook in {build.FOLDER.name}/ is up to date")
            return 0
        changed = build.write(book)
    except FileNotFoundError as err:
        raise cli.UsageError(str(err)) from None
    for path in changed:
        print(f"wrote {path.relative_to(build.ROOT)}")
    print(f"{len(changed)} notebook(s) changed" if changed else "every notebook was up to date")
    return 0


def main(argv=None):
    return cli.run_main(_main, list(sys.argv[1:] if argv is None else argv), PROG)


if __name__ == "__main__":
    sys.exit(main())
