"""``archrank data``: list the data sets and where they are found, describe one, download one."""

from __future__ import annotations

import argparse
import sys

from archrank.cli.arg_types import positive_float
from archrank.cli.output import JSON_HELP, print_json


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("data")
    sub = p.add_subparsers(dest="data_command", metavar="ACTION", parser_class=type(p))
    sub.required = True

    ls = sub.add_parser("list", help="each data set, whether it is present and where")
    ls.add_argument("--data-dir", default=None, help="data directory (default: $ARCHRANK_DATA or ~/.cache)")
    ls.add_argument("--json", action="store_true", help=JSON_HELP)
    ls.set_defaults(func=_list)

    info = sub.add_parser("info", help="shape, classes, normalisation and split sizes of one data set")
    info.add_argument("name")
    info.add_argument("--data-dir", default=None)
    info.add_argument("--json", action="store_true", help=JSON_HELP)
    info.set_defaults(func=_info)

    dl = sub.add_parser("download", help="fetch the official files, verify their checksums and install them")
    dl.add_argument("name")
    dl.add_argument("--data-dir", default=None)
    dl.add_argument("--force", action="store_true", help="download again even if already present")
    dl.add_argument("--timeout", type=positive_float, default=60.0, help="seconds to wait on the network (default 60)")
    dl.set_defaults(func=_download)


def _rows(data_dir: str | None) -> list[dict]:
    from archrank.data.catalog import dataset_info, dataset_names, locate
    from archrank.data.download import DOWNLOADS

    rows = []
    for name in dataset_names():
        info = dataset_info(name)
        where = locate(name, data_dir)
        spec = DOWNLOADS.get(info.resized_from or name)
        rows.append({
            "name": name,
            "title": info.title,
            "present": where is not None,
            "path": str(where) if where else None,
            "num_classes": info.num_classes,
            "input_shape": list(info.input_shape),
            "downloadable": bool(spec and not spec.manual),
        })
    return rows


def _list(args: argparse.Namespace) -> int:
    from archrank.data.paths import data_dir

    rows = _rows(args.data_dir)
    if args.json:
        print_json({"data_dir": str(data_dir(args.data_dir)), "datasets": rows}, indent=2)
        return 0
    print(f"data dir: {data_dir(args.data_dir)}")
    for r in rows:
        shape = "x".join(str(s) for s in r["input_shape"])
        state = f"present  {r['path']}" if r["present"] else (
            "missing  (archrank data download " + r["name"] + ")" if r["downloadable"] else
            "missing  (no public download: see docs/data.md)")
        print(f"{r['name']:<15} {r['num_classes']:>5} classes  {shape:<8} {state}")
    return 0


def _info(args: argparse.Namespace) -> int:
    from archrank.data.catalog import dataset_info, locate
    from archrank.data.loaders import read_raw

    info = dataset_info(args.name)
    out = info.to_dict()
    where = locate(args.name, args.data_dir)
    out["path"] = str(where) if where else None
    out["sizes"] = {}
    if where is not None and info.domain == "text":
        from archrank.data.lm import load_corpus

        corpus = load_corpus(args.name, args.data_dir)
        out["sizes"] = corpus.num_tokens  # tokens per split, <eos> included
        out["vocabulary"] = len(corpus.vocab)
    elif where is not None:
        for split in info.splits:
            _, labels, _ = read_raw(args.name, split, args.data_dir)
            out["sizes"][split] = len(labels)
    if args.json:
        print_json(out, indent=2)
        return 0
    for k, v in out.items():
        print(f"{k}: {v}")
    return 0


def _download(args: argparse.Namespace) -> int:
    from archrank.data.download import download, is_installed

    if not args.force and is_installed(args.name, args.data_dir):
        path = download(args.name, args.data_dir)
        print(f"{args.name}: already present in {path} (use --force to fetch it again)")
        return 0

    last = {"name": None, "shown": -1}

    def progress(filename: str, done: int, total: int | None) -> None:
        mb = done >> 20
        if (filename, mb // 5) == (last["name"], last["shown"]):
            return
        last.update(name=filename, shown=mb // 5)
        tot = f" / {total >> 20} MB" if total else " MB"
        sys.stderr.write(f"\r{filename}: {mb}{tot}   ")
        sys.stderr.flush()

    path = download(args.name, args.data_dir, force=args.force, timeout=args.timeout,
                    progress=progress if sys.stderr.isatty() and not args.quiet else None)
    if sys.stderr.isatty() and not args.quiet:
        sys.stderr.write("\n")
    print(f"{args.name}: installed in {path}")
    return 0
