"""Format benchmark results as a comparison table and write them as JSON."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

HEADERS = ("what", "ours", "baseline", "ratio", "target", "met?")


def _num(x: object) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        if x == 0:
            return "0"
        if abs(x) >= 100:
            return f"{x:,.0f}"
        if abs(x) >= 1:
            return f"{x:.2f}"
        return f"{x:.3g}"
    return str(x)


def _ratio_and_met(row: Mapping) -> tuple[float | None, str]:
    """ratio = ours / baseline; a numeric target is a bound on that ratio."""
    ours, base, target = row.get("ours"), row.get("baseline"), row.get("target")
    ratio = ours / base if ours is not None and base else None
    if ratio is None or not isinstance(target, (int, float)):
        return ratio, "?"
    lower_better = row.get("lower_is_better", True)
    ok = ratio <= target if lower_better else ratio >= target
    return ratio, "yes" if ok else "NO"


def format_table(rows: Sequence[Mapping]) -> str:
    """Aligned `what | ours | baseline | ratio | target | met?` table.

    Each row: what, ours (may be None), baseline, optional unit (appended to what),
    target (number = bound on ours/baseline, <= unless lower_is_better=False; str = shown
    as is), lower_is_better.
    """
    cells = []
    for r in rows:
        ratio, met = _ratio_and_met(r)
        target = r.get("target")
        if isinstance(target, (int, float)):
            target = f"{'<=' if r.get('lower_is_better', True) else '>='} {_num(float(target))}x"
        what = r["what"] + (f" ({r['unit']})" if r.get("unit") else "")
        cells.append(
            (
                what,
                _num(r.get("ours")),
                _num(r.get("baseline")),
                "-" if ratio is None else f"{ratio:.2f}x",
                "-" if target is None else str(target),
                met,
            )
        )
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(HEADERS)]

    def line(vals: Sequence[str]) -> str:
        return " | ".join(
            v.ljust(w) if i == 0 else v.rjust(w)
            for i, (v, w) in enumerate(zip(vals, widths, strict=True))
        )

    out = [line(HEADERS), "-+-".join("-" * w for w in widths)]
    out += [line(c) for c in cells]
    return "\n".join(out)


def write_json(path: str | os.PathLike, results: object) -> Path:
    """Write results with run metadata (versions, host) so numbers can be compared later."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "meta": {
            "when_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "python": sys.version.split()[0],
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "results": results,
    }
    path.write_text(json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n")
    return path
