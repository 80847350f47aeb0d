"""Regenerate the packaged NAS-Bench-201 CIFAR-10 table from the full CSV.

    python scripts/make_nb201_table.py [../shared/data/nb201/nb201_cifar10.csv]

Writes src/archrank/benchmarks/data/nb201_cifar10.csv.gz: the columns in ``KEEP`` only, rows in index
order.  The ``arch`` string is left out (it follows from the index: ``archrank.spaces.nb201``), the
packaged reader adds it back.  The gzip header carries no file name or time, so reruns give the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

KEEP = ("index", "isomorphism_class", "c10_test_200", "c10v_valid_12", "c10v_valid_200", "c10v_train_seconds_200")
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "nb201" / "nb201_cifar10.csv"
TARGET = ROOT / "src" / "archrank" / "benchmarks" / "data" / "nb201_cifar10.csv.gz"


def build(source: Path) -> bytes:
    with open(source, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    missing = [c for c in KEEP if rows and c not in rows[0]]
    if missing:
        raise SystemExit(f"{source}: missing columns {missing}")
    rows.sort(key=lambda r: int(r["index"]))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(KEEP)
    for r in rows:
        w.writerow([r[c] for c in KEEP])
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as gz:
        gz.write(buf.getvalue().encode("utf-8"))
    return out.getvalue()


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    data = build(source)
    TARGET.write_bytes(data)
    print(f"wrote {TARGET} ({len(data) / 1024:.0f} KiB) from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
