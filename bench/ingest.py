"""Ingest throughput and peak memory on a generated mixed corpus: 1 vs 2 workers, Ray vs local.

    .venv/bin/python bench/ingest.py [--items 200] [--configs local:1@0,local:1,local:2,ray:1] [--pipeline default]

Generates text, image and speech items from data/sample (every one different in bytes:
texts get a sentence appended, images are re-encoded at other sizes and qualities, audio
is resampled and padded), then builds the corpus into a fresh store once per config, each
in its own process (Ray inside a loopback-only network namespace). Peak memory is the
largest sum of RSS over the build's whole process tree (workers, Ray's daemons and
actors), sampled every 0.25 s. A config is EXECUTOR:WORKERS[@CPUS]; @CPUS pins the build
to those cores with taskset (``local:1@0``: one worker on one core, the baseline for the
per-core scaling of the CPU-bound stages, since an unpinned in-process build already
spreads each model over every core; the build's thread budget follows the pinning, so ONNX
Runtime, whose threads pin themselves to cores, stays on that core too). Before and after, two pinned busy loops measure how
many cores' worth of CPU the machine gives right now (``parallel_capacity_cores``: 2.0 on a
quiet 2-core machine), the ceiling of any 1 -> 2 worker speed-up measured in between.
Writes bench/results/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
TEXTS = ["tucson_arrest.txt", "northwind_relocation.txt", "eileen_collins.md"]
IMAGES = ["astronaut_eileen_collins.jpg", "camera_grayscale.jpg", "chelsea_cat.png", "coffee.jpg", "scanned_page.png"]
SPEECH = ["harper_statement.flac", "whitfield_interview.wav"]
PEOPLE = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Katherine Johnson", "Claude Shannon", "Hedy Lamarr"]
PLACES = ["London", "Manchester", "Arlington", "Hampton", "Princeton", "Vienna"]


def make_corpus(root: Path, items: int) -> dict[str, int]:
    """About half texts, 30 % images, 20 % speech."""
    from PIL import Image

    from kgbuild.media.audio import decode_audio

    root.mkdir(parents=True, exist_ok=True)
    n_speech, n_image = items // 5, items * 3 // 10
    n_text = items - n_speech - n_image
    for i in range(n_text):
        base = (SAMPLE / TEXTS[i % len(TEXTS)]).read_text()
        who, where = PEOPLE[i % len(PEOPLE)], PLACES[(i // len(PEOPLE)) % len(PLACES)]
        (root / f"text_{i:04d}.txt").write_text(f"{base}\n\nNote {i}: {who} visited {where} on day {i}.\n")
    for i in range(n_image):
        img = Image.open(SAMPLE / IMAGES[i % len(IMAGES)]).convert("RGB")
        scale = 1.0 - 0.05 * (i // len(IMAGES) % 6)
        img = img.resize((round(img.width * scale), round(img.height * scale)))
        img.save(root / f"image_{i:04d}.jpg", quality=70 + i % 26)
    clips = [decode_audio(SAMPLE / name) for name in SPEECH]
    rates = [16000, 22050, 24000, 32000]
    for i in range(n_speech):
        samples, rate = clips[i % len(clips)], rates[i // len(clips) % len(rates)]
        t = np.arange(int(len(samples) * rate / 16000)) * (16000 / rate)
        audio = np.interp(t, np.arange(len(samples)), samples)
        audio = np.concatenate([audio, np.zeros(int(rate * 0.01 * (i + 1)))])  # a little silence, i-dependent
        with wave.open(str(root / f"speech_{i:04d}.wav"), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return {"text": n_text, "image": n_image, "speech": n_speech}


def child(corpus: str, store: str, pipeline: str, executor: str, workers: int) -> None:
    """One build, in this process; prints its report as JSON."""
    from kgbuild.pipeline import load_pipeline
    from kgbuild.pipeline.options import BuildOptions
    from kgbuild.pipeline.runner import build
    from kgbuild.store import KGStore

    marks: list[tuple[float, int]] = []
    started = time.perf_counter()
    report = build(corpus, KGStore(store), load_pipeline(pipeline), BuildOptions(workers=workers, executor=executor),
                   on_start=lambda n: marks.append((time.perf_counter(), 0)),
                   on_progress=lambda n: marks.append((time.perf_counter(), n)))
    planned, first, last = marks[0][0], marks[1][0], marks[-1][0]
    steady_items = sum(n for _, n in marks[2:])
    fusion_s = report.fusion.seconds if report.fusion is not None else 0.0
    print(json.dumps({
        "items": sum(report.ingested.values()), "failed": len(report.failures), "seconds": round(report.seconds, 1),
        "first_batch_s": round(first - started, 1),  # discovery, model loading and the first batch
        "steady_items_per_min": round(60 * steady_items / (last - first), 1) if last > first else None,
        # the phases: discovery and planning; model loading to the last batch; then fusion
        "phases_s": {"plan": round(planned - started, 1), "stages": round(last - planned, 1),
                     "fusion": round(fusion_s, 1), "rest": round(report.seconds - (last - started) - fusion_s, 1)},
        "stage_seconds": {k: round(v, 2) for k, v in report.stage_seconds.most_common()},
    }))


def tree_rss_mb(pid: int) -> float:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def run_config(corpus: Path, pipeline: str, config: str) -> dict:
    executor, _, rest = config.partition(":")
    workers, _, cpus = rest.partition("@")
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, __file__, "--child", str(corpus), str(Path(tmp) / "kg"), pipeline, executor,
                   workers]
        if cpus:
            command = ["taskset", "-c", cpus, *command]
        if executor == "ray":  # loopback only, no usage statistics
            command = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *command]
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                                env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"})
        peak, done = [0.0], threading.Event()

        def sample() -> None:
            while not done.wait(0.25):
                peak[0] = max(peak[0], tree_rss_mb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out, err = proc.communicate()
        done.set()
        sampler.join()
    if proc.returncode != 0:
        sys.exit(f"{config} failed ({proc.returncode}):\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(config=config, peak_mb=round(peak[0]),
                  items_per_min=round(60 * result["items"] / result["seconds"], 1))
    return result


SPIN = "import time\nt = time.perf_counter() + 2\nn = 0\nwhile time.perf_counter() < t:\n    n += 1\nprint(n)"


def parallel_capacity() -> float:
    """How many cores' worth of work this machine gives two busy processes right now: 2.0
    when both cores are ours, about 1 when something else holds one (the ceiling of any
    1 -> 2 worker speed-up measured at the same time)."""
    def spin(cpus: list[str]) -> int:
        procs = [subprocess.Popen(["taskset", "-c", c, sys.executable, "-c", SPIN], stdout=subprocess.PIPE, text=True)
                 for c in cpus]
        return sum(int(p.communicate()[0]) for p in procs)

    one = spin(["0"])
    return round(spin(["0", "1"]) / one, 2) if one else 0.0


def shares(stage_seconds: dict[str, float]) -> dict[str, float]:
    total = sum(stage_seconds.values()) or 1.0
    return {name: round(100 * s / total, 1) for name, s in stage_seconds.items()}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        corpus, store, pipeline, executor, workers = sys.argv[2:7]
        return child(corpus, store, pipeline, executor, int(workers))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--configs", default="local:1@0,local:1,local:2,ray:1",
                        help="EXECUTOR:WORKERS[@CPUS], comma-separated")
    parser.add_argument("--pipeline", default="default")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "ingest.json")
    args = parser.parse_args()
    load_before = os.getloadavg()
    capacity_before = parallel_capacity()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        mix = make_corpus(corpus, args.items)
        runs = []
        for config in args.configs.split(","):
            runs.append(run_config(corpus, args.pipeline, config))
            r = runs[-1]
            print(f"{r['config']:>9}: {r['items_per_min']:6.1f} items/min ({r['seconds']} s, first batch after "
                  f"{r['first_batch_s']} s, then {r['steady_items_per_min']} items/min; phases {r['phases_s']}), "
                  f"peak {r['peak_mb']} MB, {r['failed']} failed", flush=True)
    for r in runs:
        r["stage_shares_pct"] = shares(r["stage_seconds"])
    by = {r["config"]: r for r in runs}
    speedup = {}
    for base in ("local:1@0", "local:1"):  # one worker on one core; one worker on every core
        if base in by and "local:2" in by:
            ratios = {key: round(by["local:2"][key] / by[base][key], 2)
                      for key in ("items_per_min", "steady_items_per_min") if by[base][key]}
            ratios["stages_phase"] = round(by[base]["phases_s"]["stages"] / by["local:2"]["phases_s"]["stages"], 2)
            speedup[f"{base} -> local:2"] = ratios
    result = {
        "items": args.items, "mix": mix, "pipeline": args.pipeline, "runs": runs, "speedup_1_to_2_workers": speedup,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "parallel_capacity_cores": [capacity_before, parallel_capacity()],  # before, after
        "machine": f"{platform.machine()} cpus={os.cpu_count()}",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({"speedup_1_to_2_workers": speedup, "parallel_capacity_cores": result["parallel_capacity_cores"],
                      "stage_shares_pct(local:1)":
                      by.get("local:1", runs[0])["stage_shares_pct"]}, indent=2))


if __name__ == "__main__":
    main()
