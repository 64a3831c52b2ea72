"""Wall time of a cold `kgbuild build` on a corpus (default data/sample), per modality.

    .venv/bin/python bench/build.py [CORPUS] [--repeat N]

Runs the real CLI in a subprocess into a fresh store each time (so model loading is
included, as a user experiences it), then a second build into the same store (the
incremental no-op). Writes bench/results/build.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "kgbuild", *args], capture_output=True, text=True, cwd=REPO)
    if proc.returncode not in (0, 3):
        sys.exit(proc.stdout + proc.stderr)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(REPO / "data" / "sample"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cold, warm = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            store = str(Path(tmp) / "kg")
            cold.append(timed(["build", args.corpus, "--store", store, "--quiet"]))
            warm.append(timed(["build", args.corpus, "--store", store, "--quiet"]))
    files = sum(1 for p in Path(args.corpus).rglob("*") if p.is_file())
    result = {
        "corpus": args.corpus, "files": files, "repeat": args.repeat,
        "cold_build_s_median": sorted(cold)[len(cold) // 2], "rebuild_unchanged_s_median": sorted(warm)[len(warm) // 2],
        "machine": f"{platform.machine()} {platform.processor() or ''} cpus={__import__('os').cpu_count()}".strip(),
    }
    out = REPO / "bench" / "results" / "build.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
