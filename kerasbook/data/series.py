"""Time series for chapters 5 and 6: a real weather series, a random walk, and your own CSV.

* `greensboro_temperature()`: the hourly air temperature of a typical
  meteorological year at Greensboro, North Carolina (8,760 real hourly
  observations, NREL's TMY3 file that the pvlib package ships). It has a daily
  cycle and weather on top, so the recent past says something about the next
  hour. See `datasets/greensboro_tmy3/README.md`.
* `random_walk()`: a generated price-like series (a geometric random walk,
  drawn by seed). Its next step is unpredictable by construction, so no model
  should beat "tomorrow = today" on it.
* `read_csv_series(path)`: the course's set-up, a daily price export with a
  date column and a value column (Date, Open, High, Low, Close, ...).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kerasbook.cli import UsageError
from kerasbook.data import DatasetSpec, register

TMY3_FILE = "723170TYA.CSV"          # inside pvlib/data
DATE_NAMES = ("date", "datetime", "timestamp", "time", "day")
VALUE_PREFERENCE = ("close", "adj close", "adj_close", "price", "value")


def greensboro_temperature():
    """`pandas.Series` of 8,760 hourly air temperatures (°C), indexed by hour of a typical year."""
    import importlib.resources

    from pvlib.iotools import read_tmy3

    path = importlib.resources.files("pvlib") / "data" / TMY3_FILE
    # A TMY file joins twelve real months from different years; `coerce_year`
    # lays them out as one calendar year so the index runs in order.
    frame, _ = read_tmy3(str(path), coerce_year=1990, map_variables=True)
    series = frame["temp_air"].astype("float64")
    series.index = series.index.tz_localize(None)
    return series.rename("air temperature (°C)")


def random_walk(n: int = 3_000, seed: int = 0, start: float = 100.0, daily_vol: float = 0.015):
    """`pandas.Series` of `n` business-day prices: log returns i.i.d. normal, no drift, no season."""
    import pandas as pd

    rng = np.random.default_rng([seed, 5])
    returns = rng.normal(0.0, daily_vol, n - 1)
    prices = start * np.exp(np.concatenate([[0.0], np.cumsum(returns)]))
    return pd.Series(prices, index=pd.bdate_range("2010-01-04", periods=n), name="price (generated)")


def find_csv(path) -> Path:
    """The CSV a `--csv FILE` or `--data-dir DIR` points at; `UsageError` if there is none or several."""
    path = Path(path)
    if path.is_file():
        return path
    if not path.is_dir():
        raise UsageError(f"{path} does not exist; pass --csv FILE with your price export")
    found = sorted(path.glob("*.csv"))
    if len(found) != 1:
        what = "no CSV file" if not found else f"{len(found)} CSV files ({', '.join(p.name for p in found[:3])})"
        raise UsageError(f"--data-dir {path} holds {what}; pass the one you want with --csv FILE")
    return found[0]


def read_csv_series(path, column: str | None = None):
    """`pandas.Series` of one numeric column of a CSV, indexed by its date column and sorted by date.

    The value column is `column` if given, else Close (or Adj Close, Price,
    Value), else the only column besides the date. Every problem (no date
    column, no such value column, a row that is not a date or not a number, a
    date given twice, too few rows) is a `UsageError` naming the column or row.
    """
    import pandas as pd

    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        reason = str(err).strip().splitlines()[-1] if str(err).strip() else err.__class__.__name__
        raise UsageError(f"{path} is not a readable CSV ({reason})") from None
    names = {c.strip().lower(): c for c in frame.columns}
    date_col = next((names[n] for n in DATE_NAMES if n in names), None)
    if date_col is None:
        raise UsageError(f"{path} has no date column (columns: {', '.join(frame.columns)}); "
                         "the first row must name one, e.g. Date")
    others = [c for c in frame.columns if c != date_col]
    if column is not None:
        if column not in frame.columns:
            raise UsageError(f"{path} has no column {column!r} (columns: {', '.join(frame.columns)})")
        value_col = column
    else:
        value_col = next((names[n] for n in VALUE_PREFERENCE if n in names), None)
        if value_col is None and len(others) == 1:
            value_col = others[0]
        if value_col is None:
            raise UsageError(f"{path}: which column to forecast? It has no Close column; "
                             f"name one with --column (columns: {', '.join(others)})")
    dates = pd.to_datetime(frame[date_col], errors="coerce", format="mixed")
    values = pd.to_numeric(frame[value_col].str.replace(",", "", regex=False), errors="coerce")
    for name, parsed, kind in ((date_col, dates, "a date"), (value_col, values, "a number")):
        bad = np.flatnonzero(parsed.isna().to_numpy())
        if len(bad):
            row = int(bad[0])
            # Line numbers as a text editor shows them: the header is line 1.
            raise UsageError(f"{path}, line {row + 2}: {name} is {frame[name].iloc[row]!r}, not {kind}")
    series = pd.Series(values.to_numpy("float64"), index=pd.DatetimeIndex(dates), name=value_col)
    dup = series.index.duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        raise UsageError(f"{path}, line {row + 2}: the date {series.index[row].date()} appears twice")
    return series.sort_index()


DATA_DIR_HINT = "give the folder that holds your price CSV, or pass --csv FILE"


def add_arguments(parser):
    """The flags that point a forecasting chapter at your own CSV."""
    parser.add_argument("--csv", help="your own daily price CSV (a Date column and a Close column); implies --data full")
    parser.add_argument("--column", help="the CSV column to forecast (default: Close, or the only value column)")


def data_path(args):
    """Where the full data was given: `--csv FILE` or `--data-dir DIR`."""
    return args.csv or args.data_dir


def load(source: str, args, season: int | None, window: int):
    """`(series, units, season)`: the builtin temperatures, or the CSV the flags name (which has no season).

    A series too short for three parts of windows of `window` is a `UsageError`.
    """
    if source == "builtin":
        values, units = greensboro_temperature(), "°C"
    else:
        values = read_csv_series(find_csv(data_path(args)), args.column)
        units, season = values.name, None
    if len(values) < 3 * window + 10:
        raise UsageError(f"the series has {len(values)} values; windows of {window} need at least {3 * window + 10}")
    return values, units, season


def _csv_available(path):
    if path is None:
        return False, "no price CSV given; pass --csv FILE (a Date column and a Close column)"
    find_csv(path)                       # a bad path is a usage error, not a fallback
    return True, ""


SPEC = register(DatasetSpec(
    name="series",
    builtin="hourly air temperature at Greensboro, NC (the TMY3 file pvlib ships)",
    full="a daily price CSV you give with --csv FILE (Date, ..., Close), as the course used",
    full_available=_csv_available,
))
