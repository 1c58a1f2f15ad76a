"""``python -m datamon``: a small mirror of the CLI's read commands."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any, List, Optional

from . import Client, DatamonError


def _print(v: Any, as_json: bool) -> None:
    items = v if isinstance(v, list) else [v]
    if as_json:
        print(json.dumps([dataclasses.asdict(x) for x in items] if isinstance(v, list) else dataclasses.asdict(v),
                         default=str, indent=2))
        return
    for x in items:
        d = dataclasses.asdict(x)
        print("  ".join(f"{k}={d[k]}" for k in d if k not in ("chunks", "attrs", "contributors") and d[k] not in ("", None)))


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m datamon",
                                description="Read datamon repos, bundles, labels and files (client.yaml / DATAMON_CONFIG).")
    p.add_argument("--config", help="client.yaml (default: $DATAMON_CONFIG, ~/.datamon/client.yaml)")
    p.add_argument("--context", help="context (default: the config's, else 'default')")
    p.add_argument("--json", action="store_true", help="print JSON")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    sub.add_parser("contexts", help="list contexts")
    sub.add_parser("repos", help="list repos")
    s = sub.add_parser("bundles", help="list a repo's bundles")
    s.add_argument("repo")
    s = sub.add_parser("labels", help="list a repo's labels")
    s.add_argument("repo")
    s.add_argument("--prefix", default="")
    s = sub.add_parser("label", help="show one label")
    s.add_argument("repo")
    s.add_argument("name")
    for name, h in (("files", "list a bundle's files"), ("cat", "write a file to stdout"),
                    ("download", "download a bundle into a directory")):
        s = sub.add_parser(name, help=h)
        s.add_argument("repo")
        if name == "files":
            s.add_argument("path", nargs="?", default="", help="path prefix")
        else:
            s.add_argument("path" if name == "cat" else "dest")
        g = s.add_mutually_exclusive_group()
        g.add_argument("--label")
        g.add_argument("--bundle")
    a = p.parse_args(argv)
    try:
        c = Client(config_path=a.config, context=a.context)
        label, bundle = getattr(a, "label", None), getattr(a, "bundle", None)
        if a.cmd == "contexts":
            _print(c.contexts(), a.json)
        elif a.cmd == "repos":
            _print(c.repos(), a.json)
        elif a.cmd == "bundles":
            _print(c.bundles(a.repo), a.json)
        elif a.cmd == "labels":
            _print(c.labels(a.repo, a.prefix), a.json)
        elif a.cmd == "label":
            _print(c.get_label(a.repo, a.name), a.json)
        elif a.cmd == "files":
            _print(list(c.list_files(a.repo, prefix=a.path, label=label, bundle=bundle)), a.json)
        elif a.cmd == "cat":
            with c.open(a.repo, a.path, label=label, bundle=bundle) as f:
                while True:
                    b = f.read(8 << 20)
                    if not b:
                        break
                    sys.stdout.buffer.write(b)
        elif a.cmd == "download":
            for path in c.download(a.repo, a.dest, label=label, bundle=bundle):
                print(path)
    except DatamonError as e:
        print(f"datamon: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
