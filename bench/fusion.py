"""Time, memory and quality of entity resolution on synthetic mentions: does it scale near-linearly?

    .venv/bin/python bench/fusion.py [--sizes 10000,25000,50000,100000] [--seed 7] [--no-write]
    .venv/bin/python bench/fusion.py --sizes 2000 --no-write      # smoke run, seconds

Issue 6 asks that resolution of 100k mentions scale near-linearly: blocking, never all pairs.
Nothing here reads a store or a model hub; the corpus is generated, with its truth kept:

* entities — people (a first name from ~200 and a surname from ~3000 built from real stems
  and endings, so many people share a surname: "Anna Kowalczyk" and "Adam Kowalczyk"),
  organisations ("Northwind Logistics Inc") and places ("East Ashford"); about one entity per
  eight mentions, so name collisions grow with N as they would in a real archive;
* documents — each draws 3-6 entities from one community of ~12 (people who appear together
  keep appearing together) and mentions each 1-3 times: full name, surname alone, initial +
  surname, organisation without its legal suffix; speech documents respell half of their
  names the way ASR does and OCR documents drop letters (``kgbuild.fusion.training``);
* context — a per-entity random unit vector (384-d, like MiniLM) plus noise per mention
  (two mentions of one entity have cosine ~0.6, of two entities ~0), averaged per atom.

Mentions collapse into atoms as the linker makes them: one per (type, ``normalise_label``) and
document (``--scope name``: one per name across the corpus, the linker before issue 16).
Each size runs in a fresh subprocess (peak RSS is per size) and times blocking
(``block_index``), candidates (``Resolver.candidate_pairs``), scoring (``Resolver.links``)
and clustering (``Resolver.cluster``) with the packaged model, then scores the clusters
against the truth: pairwise precision/recall/F1 over mentions. The scaling exponent between
consecutive sizes is log(time ratio) / log(size ratio): 1.0 is linear. Writes
bench/results/fusion.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
STAGES = ("blocking", "candidates", "scoring", "clustering")
DIM = 384

FIRST = """James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard Susan
Joseph Jessica Thomas Sarah Charles Karen Christopher Nancy Daniel Lisa Matthew Betty Anthony Margaret Mark
Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Dorothy Kevin Carol Brian
Amanda George Melissa Edward Deborah Ronald Stephanie Timothy Rebecca Jason Sharon Jeffrey Laura Ryan Cynthia
Jacob Kathleen Gary Amy Nicholas Shirley Eric Angela Jonathan Helen Stephen Anna Larry Brenda Justin Pamela
Scott Nicole Brandon Emma Benjamin Samantha Samuel Katherine Gregory Christine Frank Debra Alexander Rachel
Raymond Catherine Patrick Carolyn Jack Janet Dennis Ruth Jerry Maria Tyler Heather Aaron Diane Jose Virginia
Adam Julie Henry Joyce Nathan Victoria Douglas Olivia Zachary Kelly Peter Christina Kyle Lauren Walter Joan
Ethan Evelyn Jeremy Judith Harold Megan Keith Cheryl Christian Andrea Roger Hannah Noah Martha Gerald Jacqueline
Carl Frances Terry Gloria Sean Ann Austin Teresa Arthur Kathryn Lawrence Sara Jesse Janice Dylan Jean Bryan
Alice Joe Madison Jordan Doris Billy Abigail Bruce Julia Albert Judy Willie Grace Gabriel Denise Logan Amber
Alan Marilyn Juan Beverly Wayne Danielle Roy Theresa Ralph Sophia Randy Marie Eugene Diana Vincent Brittany
Russell Natalie Elijah Isabella Louis Charlotte Bobby Rose Philip Alexis Johnny Kayla Piotr Agnieszka Tomasz
Katarzyna Marek Magdalena Jan Ewa Pawel Zofia Lukas Ingrid Sven Astrid Hans Greta Pierre Amelie Luca Giulia
Mateo Lucia Diego Camila Rafael Beatriz Hiroshi Yuki Kenji Aiko Wei Mei Rahul Priya Arjun Ananya Omar Fatima
Ahmed Leila Ivan Olga Dmitri Tatiana Sergei Natalia Kwame Amara Chidi Ngozi""".split()

_STEMS = """Kowal Nowak Wisniew Lewand Zielin Szyman Wozniak Kaczmar Mazur Krawc Ander Peter Richard Harri Thomp
Fisch Wein Rosen Gold Silver Berg Stein Mart Gonzal Hernand Lop Rodrig Sanch Ram Torr Flor Riv Gom Diaz Mor Alvar
Ruiz Jimen Rom Navarr Dom Gil Vasqu Ortiz Castill Delgad Rubi Mol Suar Blanc Herr Ferr Bianch Ross Russ Colomb
Ricc Marin Gall Conti Esposit Fontan Mancin Lombard Moretti Barbier Caruso Johan Karl Niel Lars Eriks Olof
Pers Sven Gust Magn Lind Holm Strom Sund Blom Ek Hoff Schmid Schneid Muell Wagn Beck Schul Koch Bau Wolf Schroed
Neum Schwarz Zimmer Braun Krueg Hartm Lang Werner Krause Lehm Kraus Schmitt Walt Mayer Kuhn Pohl Frank Albrecht
Ivan Petr Smirn Kuzn Popov Vasil Sokol Mikhail Novik Fedor Morozov Volk Alex Lebed Semen Egor Pavl Kozl Stepan
Nikol Orl Andre Makar Zakhar Zaits Solov Borisov Yakovl Grigor Romanov Vorob Serge Kuzmin Frol Alexandr Dmitr
Korol Gusev Kiselev Ilyin Maxim Polyak Sorok Vinogr Kovalev Belov Medved Antonov Tarasov Zhukov Baran Filipp
Kom Davyd Belyaev Gerasim Bogdan Osip Sidor Matv Titov Marko Mironov Krylov Kulik Karpov Vlasov Melnik Denisov
Gavril Tikhonov Kazak Afanas Danil Savel Timof Fomin Chern Abramov Martyn Yefim Fedot Shcherb Nazar Kalinin
Isaev Chernysh Bykov Maslov Rodion Konovalov Lazar Voronin Klim Filat Ponomar Golub Kudryav Prokhor Nagorn
Ward Wood Hill Green Clark Hall Young King Wright Scott Adams Baker Nelson Carter Mitchell Roberts Turner
Phillips Campbell Parker Evans Edwards Collins Stewart Morris Rogers Reed Cook Morgan Bell Murphy Bailey
Cooper Howard Cox Kelly Price Bennett Brooks Gray James Watson Hughes Butler Foster Powell Long Patter Barn
Fish Hend Coleman Jenk Perry Russell Sullivan Ford Graham Wallace West Cole Hay Gibs Ellis Stevens Murray
Marsh Owens McDon Harr Kenn Wells Hunt Black Dan Palm Mill Ryan Stone Warr Dix Burns Gord Shaw Holmes Rice
Hunter Hicks Freem Web Tuck Port Hans Fletch Hawk Lawr Duncan Chap Wats Pierce Lamb Arn Nash Lyon Walsh""".split()
_ENDINGS = ["", "son", "sen", "ski", "czyk", "ez", "er", "man", "mann", "berg", "stein", "ford", "ton", "ley",
            "well", "wood", "ini", "elli", "ov", "enko", "ides", "ey", "ing", "ham", "by", "field", "ak", "ic"]
_ORG_HEADS = """Northwind Apex Blue River Summit Redwood Silverline Granite Harbor Meridian Pinnacle Evergreen
Ironbridge Crescent Horizon Keystone Lakeside Oakridge Sterling Vanguard Westfield Beacon Cobalt Falcon Atlas
Orion Polaris Zenith Quantum Nimbus Cascade Sequoia Aurora Titan Phoenix Juniper Maple Cedar Willow Aspen Birch
Hawthorne Kingfisher Osprey Heron Lynx Otter Badger Fox Raven Sparrow Condor Magnolia Laurel Sapphire Emerald
Onyx Amber Coral Jade Ruby Topaz Delta Sigma Omega Alpha Vector Matrix Vertex Nexus Fusion Stellar Lunar Solar
Nova Comet Galaxy Cosmos Prairie Canyon Glacier Tundra Savanna Delta Bayou Fjord Highland Lowland Coastal
Midland Northern Southern Eastern Western Central Pacific Atlantic Arctic Baltic Nordic Alpine Andean""".split()
_SECTORS = """Logistics Pharma Bank Foods Systems Energy Media Motors Capital Insurance Labs Robotics Airlines
Shipping Textiles Mining Chemicals Telecom Software Analytics Foundry Brewing Publishing Security Health
Holdings Ventures Partners Semiconductors Materials""".split()
_LEGAL = ["Inc", "Corp", "Group", "Ltd", "Company", "Plc"]
_PLACE_STEMS = """Ash Brook Oak Elm Stan Wood Bright Black White Green Red North South East West Mill Stone Kings
Queens Church Bridge Har Mar Wel Wil Brad Chester Glou Lei Not Shef Bir Man Liver New Ox Cam Dun Ed Glen Inver
Aber Kil Bally Carr Lan Nor Sal Sand Sea Fair Hazel Holly Thorn Rose Lily Fern Moss Heath Marsh Lake River
Cliff Dale Vale Combe Ridge Hurst Holt Ley Wick Thorp Caster Brom Ches Dor Ely Fal Gains Hal Ips Kes Lud Mal
Pen Ram Roth Scar Tam Ux Wake Yar Zen Ald Bex Cor Dar Eg Fle Gil""".split()
_PLACE_ENDS = ["ford", "ville", "ton", "bury", "field", "haven", "port", "wick", "stead", "mouth", "ham", "by",
               "worth", "ley", "dale", "minster", "bridge", "burgh", "caster", "chester"]
_PLACE_PRE = ["", "", "", "New ", "East ", "West ", "North ", "South ", "Upper ", "Lower ", "Port ", "Fort "]


def surnames() -> list[str]:
    return sorted({s + e if e else s for s in _STEMS for e in _ENDINGS if len(s + e) > 3})


def make_corpus(n_mentions: int, seed: int, scope: str = "document"):
    """Generate N mentions and aggregate them into atoms as the linker would.

    Returns (atoms, mention_atom, mention_entity, facts): the atom IRI and the true entity
    of every mention, in order."""
    from kgbuild.fusion.atoms import Atom
    from kgbuild.fusion.training import ocr_drop, respell
    from kgbuild.ids import mint, normalise_label

    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    n_entities = max(12, n_mentions // 8)
    last_names = surnames()
    kinds = rng.choices(["PERSON", "ORG", "GPE"], weights=[0.6, 0.25, 0.15], k=n_entities)
    names: list[tuple[str, str, str]] = []  # (type, full name, short form)
    seen: set[str] = set()
    for kind in kinds:
        while True:
            if kind == "PERSON":
                first, last = rng.choice(FIRST), rng.choice(last_names)
                full, short = f"{first} {last}", last
            elif kind == "ORG":
                head = rng.choice(_ORG_HEADS)
                short = f"{head} {rng.choice(_SECTORS)}"
                full = f"{short} {rng.choice(_LEGAL)}"
            else:
                full = short = f"{rng.choice(_PLACE_PRE)}{rng.choice(_PLACE_STEMS)}{rng.choice(_PLACE_ENDS)}"
            if full not in seen:
                seen.add(full)
                names.append((kind, full, short))
                break
    ent_vec = nrng.standard_normal((n_entities, DIM)).astype(np.float32)
    ent_vec /= np.linalg.norm(ent_vec, axis=1, keepdims=True)
    community = list(range(n_entities))
    rng.shuffle(community)
    communities = [community[i:i + 12] for i in range(0, n_entities, 12)]

    def surface(ent: int, modality: str) -> str:
        kind, full, short = names[ent]
        roll = rng.random()
        if kind == "PERSON":
            name = full if roll < 0.55 else short if roll < 0.85 else f"{full[0]}. {short}"
        elif kind == "ORG":
            name = full if roll < 0.5 else short
        else:
            name = full
        if modality == "speech" and rng.random() < 0.5:
            name = respell(name, rng)
        elif modality == "ocr" and rng.random() < 0.4:
            name = ocr_drop(name, rng)
        return name

    # atom key -> [label counts, modalities, sources, mention count]
    atom_of_key: dict[tuple[str, str], str] = {}
    forms: dict[str, Counter] = defaultdict(Counter)
    modalities: dict[str, set] = defaultdict(set)
    sources: dict[str, set] = defaultdict(set)
    types: dict[str, str] = {}
    mention_atom: list[str] = []
    mention_entity: list[int] = []
    doc_atoms: list[set[str]] = []
    n_docs = 0
    while len(mention_atom) < n_mentions:
        modality = rng.choices(["text", "speech", "ocr"], weights=[0.7, 0.2, 0.1])[0]
        doc = f"urn:bench:doc/{n_docs}"
        n_docs += 1
        group = rng.choice(communities)
        here: set[str] = set()
        for ent in rng.sample(group, min(len(group), rng.randint(3, 6))):
            for _ in range(rng.randint(1, 3)):
                if len(mention_atom) >= n_mentions:
                    break
                kind = names[ent][0]
                name = surface(ent, modality)
                key = (kind, normalise_label(name), *((doc,) if scope == "document" else ()))
                iri = atom_of_key.get(key) or atom_of_key.setdefault(key, mint("entity", *key))
                types[iri] = kind
                forms[iri][name] += 1
                modalities[iri].add(modality)
                sources[iri].add(doc)
                here.add(iri)
                mention_atom.append(iri)
                mention_entity.append(ent)
        doc_atoms.append(here)
    company: dict[str, set[str]] = defaultdict(set)
    for here in doc_atoms:
        for iri in here:
            company[iri] |= here
    # context: entity vector + noise per mention, averaged per atom, in chunks (bounded memory)
    row = {iri: i for i, iri in enumerate(atom_of_key.values())}
    sums = np.zeros((len(row), DIM), dtype=np.float32)
    ents = np.asarray(mention_entity)
    rows = np.asarray([row[iri] for iri in mention_atom])
    for start in range(0, len(ents), 8192):
        noise = nrng.standard_normal((len(ents[start:start + 8192]), DIM)).astype(np.float32)
        noise *= 0.8 / np.linalg.norm(noise, axis=1, keepdims=True)  # cos(two mentions) ~ 1/(1+0.8^2)
        vec = ent_vec[ents[start:start + 8192]] + noise
        vec /= np.linalg.norm(vec, axis=1, keepdims=True)
        np.add.at(sums, rows[start:start + 8192], vec)
    sums /= np.linalg.norm(sums, axis=1, keepdims=True)
    atoms = {}
    for iri, i in row.items():
        label = max(forms[iri].items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0]  # the linker's rule
        atoms[iri] = Atom(iri, label, types[iri], False, frozenset(modalities[iri]), frozenset(sources[iri]),
                          frozenset(company[iri] - {iri}), (), sums[i], sum(forms[iri].values()))
    facts = {"mentions": len(mention_atom), "entities": n_entities, "documents": n_docs, "atoms": len(atoms),
             "people": kinds.count("PERSON"), "organisations": kinds.count("ORG"), "places": kinds.count("GPE")}
    return atoms, mention_atom, mention_entity, facts


def pairwise(pred: list[str], gold: list[int]) -> dict[str, float]:
    """Pairwise precision/recall/F1 over mentions, from cluster sizes (no pair loop)."""
    def pairs(counts: Counter) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    tp = pairs(Counter(zip(pred, gold)))
    same_pred, same_gold = pairs(Counter(pred)), pairs(Counter(gold))
    p = tp / same_pred if same_pred else 1.0
    r = tp / same_gold if same_gold else 1.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (a scoring pool): on a shared
    machine wall time measures the neighbours as much as the code."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def run_one(n: int, seed: int, trace: bool, workers: int = 1, scope: str = "document") -> dict:
    """One size, in this (fresh) process."""
    import torch

    torch.set_num_threads(1)
    from kgbuild.fusion.resolver import Resolver, block_index, resolvable
    from kgbuild.fusion.scorer import FusionScorer

    start = time.perf_counter()
    atoms, mention_atom, mention_entity, facts = make_corpus(n, seed, scope)
    generate_s = time.perf_counter() - start
    resolver = Resolver(FusionScorer.load(), workers=workers)
    rss_before = max_rss_mb()
    if trace:
        import tracemalloc

        tracemalloc.start()
    seconds, cpu = {}, {}

    def timed(stage: str, step):
        start, cpu_start = time.perf_counter(), cpu_seconds()
        out = step()
        seconds[stage], cpu[stage] = time.perf_counter() - start, cpu_seconds() - cpu_start
        return out

    index = timed("blocking", lambda: block_index(atoms.values()))
    pairs = timed("candidates", lambda: resolver.candidate_pairs(atoms, index=index))
    scores: dict = {}  # as the Fuser does: clustering's conflict checks reuse the link scores
    links = timed("scoring", lambda: resolver.links(atoms, pairs, scores))
    canon = timed("clustering", lambda: resolver.cluster(atoms, links, scores=scores))
    traced = None
    if trace:
        import tracemalloc

        traced = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    sizes = sorted((len(m) for m in index.values()), reverse=True)
    n_resolvable = sum(1 for a in atoms.values() if resolvable(a))
    quality = pairwise([canon[a] for a in mention_atom], mention_entity)
    atom_only = pairwise(mention_atom, mention_entity)  # the linker alone: exact spellings only
    return {**facts, "seconds": {k: round(v, 3) for k, v in seconds.items()},
            "resolve_seconds": round(sum(seconds.values()), 3),
            "cpu_seconds": {k: round(v, 3) for k, v in cpu.items()}, "resolve_cpu_seconds": round(sum(cpu.values()), 3), "generate_seconds": round(generate_s, 2),
            "blocks": len(index), "largest_block": sizes[0] if sizes else 0,
            "blocks_over_max": sum(1 for s in sizes if s > resolver.max_block),
            "candidate_pairs": len(pairs), "all_pairs": n_resolvable * (n_resolvable - 1) // 2,
            "pairs_per_atom": round(len(pairs) / max(1, n_resolvable), 2), "links": len(links),
            "clusters": len(set(canon.values())), "quality": quality, "linker_only": atom_only,
            "rss_after_generation_mb": round(rss_before, 1), "peak_rss_mb": round(max_rss_mb(), 1),
            "tracemalloc_peak_mb": traced}


def exponent(r0: dict, r1: dict, value) -> float | None:
    a, b = value(r0), value(r1)
    if a <= 0 or b <= 0:
        return None
    return round(math.log(b / a) / math.log(r1["mentions"] / r0["mentions"]), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,25000,50000,100000", help="mention counts, comma-separated")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower, ~2x)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results/fusion.json alone")
    parser.add_argument("--workers", type=int, default=1,
                        help="scoring processes (kgbuild.fusion.parallel; default 1: serial, comparable across machines)")
    parser.add_argument("--scope", choices=["document", "name"], default="document",
                        help="atoms per name and document (the linker now), or per name across the corpus")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: run one size, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.seed, args.tracemalloc, args.workers, args.scope)))
        return

    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    results = []
    for n in [int(s) for s in args.sizes.split(",")]:
        cmd = [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed), "--workers", str(args.workers),
               "--scope", args.scope]
        cmd += ["--tracemalloc"] if args.tracemalloc else []
        out = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"size {n} failed:\n{out.stderr}")
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = results[-1]
        print(f"  {n} mentions: {r['resolve_seconds']} s ({r['resolve_cpu_seconds']} s CPU), {r['candidate_pairs']} pairs,"
              f" F1 {r['quality']['f1']}",
              file=sys.stderr, flush=True)
    scaling = []
    for r0, r1 in zip(results, results[1:]):
        scaling.append({"from": r0["mentions"], "to": r1["mentions"],
                        **{k: exponent(r0, r1, lambda r, k=k: r["seconds"][k]) for k in STAGES},
                        "total": exponent(r0, r1, lambda r: r["resolve_seconds"]),
                        "total_cpu": exponent(r0, r1, lambda r: r["resolve_cpu_seconds"]),
                        "candidate_pairs": exponent(r0, r1, lambda r: r["candidate_pairs"]),
                        "atoms": exponent(r0, r1, lambda r: r["atoms"])})
    _table(results, scaling)
    result = {"date": dt.datetime.now().isoformat(timespec="seconds"), "seed": args.seed, "workers": args.workers,
              "sizes": results,
              "scaling_exponents": scaling, "target_exponent": "1.0-1.2 (near-linear)",
              "machine": f"{platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()}".strip(),
              "python": platform.python_version(), "load_average": os.getloadavg()[0]}
    if not args.no_write:
        path = REPO / "bench" / "results" / "fusion.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {path.relative_to(REPO)}")


def _table(results: list[dict], scaling: list[dict]) -> None:
    head = (f"{'mentions':>9} {'atoms':>7} {'block s':>8} {'cand s':>7} {'score s':>8} {'clust s':>8} {'total s':>8} {'CPU s':>7}"
            f" {'pairs':>9} {'pairs/all':>9} {'links':>7} {'peak MB':>8} {'P':>6} {'R':>6} {'F1':>6} {'F1 linker':>9}")
    print(head)
    for r in results:
        s = r["seconds"]
        print(f"{r['mentions']:>9} {r['atoms']:>7} {s['blocking']:>8.2f} {s['candidates']:>7.2f} {s['scoring']:>8.2f}"
              f" {s['clustering']:>8.2f} {r['resolve_seconds']:>8.2f} {r['resolve_cpu_seconds']:>7.2f} {r['candidate_pairs']:>9}"
              f" {r['candidate_pairs'] / max(1, r['all_pairs']):>9.2e} {r['links']:>7} {r['peak_rss_mb']:>8.0f}"
              f" {r['quality']['precision']:>6.3f} {r['quality']['recall']:>6.3f} {r['quality']['f1']:>6.3f}"
              f" {r['linker_only']['f1']:>9.3f}")
    if scaling:
        print("\nscaling exponent (log time ratio / log size ratio; 1.0 = linear)")
        print(f"{'sizes':>15} " + " ".join(f"{k:>10}" for k in (*STAGES, "total", "total CPU", "pairs")))
        for x in scaling:
            vals = [x[k] for k in STAGES] + [x["total"], x["total_cpu"], x["candidate_pairs"]]
            print(f"{str(x['from']) + '->' + str(x['to']):>15} "
                  + " ".join(f"{'-' if v is None else v:>10}" for v in vals))


if __name__ == "__main__":
    main()
