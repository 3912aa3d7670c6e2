"""Build benchmark: synthetic corpora of N abstracts made from the seed sentences, built with `kg build`'s streamed
builder, stage by stage, against bare spaCy tokenisation of the same abstracts as the ceiling.

    .venv/bin/python bench/run.py                              # 10k and 100k abstracts, 1 and 2 workers
    .venv/bin/python bench/run.py --sizes 1000000 --workers 2 --validate  # the million, outputs parsed back
    .venv/bin/python bench/run.py --sizes 10000 --repeat 10    # ten rounds, alternating; each ratio their median
    make bench

Each (size, workers) build runs in its own process; its peak memory is the largest sum of resident memory over
that process and its workers, sampled every 0.2 s. With one worker, each round also times extraction and bare
tokenisation in turns on the same abstracts in a new process (`paired_rates`, the extraction target's ratio).
With six rounds or more, each median is given with its 95% confidence interval (`median_interval`): the machine's
drift spreads the rounds too widely for one median to settle a target near its line.
Corpora are generated deterministically (seeded) into --work and reused. Not part of the test suite: minutes to
hours.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
STAGES = ("read", "extract", "spool", "link", "graph", "export rdf", "export graphml", "export html",
          "export mentions")


# ---------------------------------------------------------------- corpora

def seed_material() -> tuple[list[str], list[str]]:
    """Titles and abstract sentences of the seed listings (or the bundled sample corpus)."""
    from kg.corpus import read_corpus

    inputs = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else None
    papers = read_corpus(inputs).papers
    sentences = sorted({s for p in papers for s in SENTENCE_END.split(p.abstract) if len(s.split()) >= 4})
    return sorted({p.title for p in papers}), sentences


def generate(size: int, path: Path, seed: int = 20261122) -> Path:
    """`size` abstracts of 4 to 9 seed sentences each, titles from the seeds numbered apart, as JSON Lines."""
    if path.is_file():
        return path
    titles, sentences = seed_material()
    rng = random.Random(seed)
    temporary = path.with_suffix(".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        for i in range(size):
            abstract = " ".join(rng.choice(sentences) for _ in range(rng.randint(4, 9)))
            record = {"id": f"syn-{i:07d}", "title": f"{rng.choice(titles)} ({i})", "abstract": abstract,
                      "date": f"20{20 + i % 6}-{1 + i % 12:02d}-01"}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    temporary.replace(path)
    return path


# ---------------------------------------------------------------- measurements

def tokeniser_rate(corpus: Path) -> float:
    """Abstracts per second of bare `spacy.blank("en")` tokenisation over the same texts (title, blank line,
    abstract, as the extractors read them), on one core, timed in a new process as each build is (timed in this
    long-lived process instead, alternating with new processes, it spread wider: 6,169-7,798 against 6,602-7,974 a
    second)."""
    output = subprocess.run([sys.executable, __file__, "--child-tokeniser", str(corpus)], check=True,
                            stdout=subprocess.PIPE, text=True).stdout
    return float(output.strip().splitlines()[-1])


def _tokeniser_rate_here(corpus: Path) -> float:
    import spacy

    nlp = spacy.blank("en")
    texts = []
    with corpus.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            texts.append(f"{record['title']}\n\n{record['abstract']}")
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=256):
        pass
    return len(texts) / (time.perf_counter() - started)


# Papers per turn of the paired timing: a turn's tokenising takes ~0.15 s, its extraction ~0.7 s, short against the
# machine's drift; turns of one batch (64) left the tokeniser's memo and lexemes out of the processor's caches at
# the start of every turn (its rate fell ~10% against whole-corpus runs), which flattered the ratio.
PAIRED_TURN = 1024


def paired_rates(corpus: Path) -> dict:
    """Extraction with the full pipeline and bare tokenisation, timed in turns on the same abstracts in one new
    process (one core): each turn of `PAIRED_TURN` papers is tokenised by `spacy.blank("en")` and extracted by the
    build's own `extract_batch` in the build's batches, the order alternating from turn to turn, under the build's
    garbage-collector settings (`kg.executors.fewer_collections`). The machine's drift, which moves both rates by
    tens of percent within a minute, then falls on both alike; the ratio of the two rates is the target's."""
    output = subprocess.run([sys.executable, __file__, "--child-paired", str(corpus)], check=True,
                            stdout=subprocess.PIPE, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _paired_rates_here(corpus: Path, turn: int = PAIRED_TURN) -> dict:
    import spacy

    from kg.corpus import read_corpus
    from kg.executors import BATCH_SIZE, PipelineSettings, extract_batch, fewer_collections, pipeline

    papers = read_corpus([corpus]).papers
    settings = PipelineSettings()
    pipeline(settings)  # built before the timing, as a build builds it before pass one
    blank = spacy.blank("en")
    spent = {"extract": 0.0, "tokenise": 0.0}

    def extract_papers(chunk) -> None:  # batch by batch, as a build's pass one does
        started = time.perf_counter()
        for first in range(0, len(chunk), BATCH_SIZE):
            extract_batch(chunk[first:first + BATCH_SIZE], settings)
        spent["extract"] += time.perf_counter() - started

    def tokenise_papers(chunk) -> None:  # as `tokeniser_rate` does
        texts = [paper.text for paper in chunk]
        started = time.perf_counter()
        for _ in blank.pipe(texts, batch_size=256):
            pass
        spent["tokenise"] += time.perf_counter() - started

    with fewer_collections():  # as a build runs
        for number, first in enumerate(range(0, len(papers), turn)):
            chunk = papers[first:first + turn]
            steps = (extract_papers, tokenise_papers) if number % 2 else (tokenise_papers, extract_papers)
            for step in steps:
                step(chunk)
    rates = {name: len(papers) / seconds for name, seconds in spent.items()}
    return {**rates, "ratio": rates["extract"] / rates["tokenise"]}


def _tree_rss(process) -> int:
    import psutil

    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_build(corpus: Path, out: Path, workers: int, check: bool = False) -> dict:
    """One `kg build` in a child process: stage seconds, wall time, peak memory of the process tree, output sizes
    (and with `check`, the outputs parsed back afterwards; the build's own time excludes that)."""
    import psutil

    command = [sys.executable, __file__, "--child", str(corpus), str(out), str(workers), *(["--validate"] if check else [])]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    watched = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        peak = max(peak, _tree_rss(watched))
        time.sleep(0.2)
    wall = time.perf_counter() - started
    output = child.stdout.read()
    if child.returncode:
        raise RuntimeError(f"build failed ({child.returncode}): {' '.join(command)}")
    report = json.loads(output.strip().splitlines()[-1])
    report.update(wall=wall, peak_rss=peak)
    return report


def validate(out: Path) -> dict:
    """Parse every output whole, streaming (after the build, outside its timing): the Turtle with pyoxigraph, the
    GraphML with lxml, every mentions.jsonl line with json, and the HTML view's node list."""
    import pyoxigraph
    from lxml import etree

    checked = {"triples": sum(1 for _ in pyoxigraph.parse(path=str(out / "graph.ttl"),
                                                          format=pyoxigraph.RdfFormat.TURTLE))}
    counts = {"node": 0, "edge": 0}
    for _, element in etree.iterparse(str(out / "graph.graphml"), tag=("{*}node", "{*}edge")):
        counts[etree.QName(element).localname] += 1
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
    checked.update(graphml_nodes=counts["node"], graphml_edges=counts["edge"])
    with (out / "mentions.jsonl").open(encoding="utf-8") as handle:
        checked["mentions_lines"] = sum(1 for line in handle if json.loads(line))
    html = (out / "graph.html").read_text(encoding="utf-8")
    checked["html_nodes"] = len(json.loads(html.split('id="graph-data">')[1].split("</script>")[0])["nodes"])
    return checked


def child(corpus: str, out: str, workers: int, check: bool = False) -> None:
    from kg.builder import build_directory

    started = time.perf_counter()
    summary = build_directory([corpus], out, workers=workers)
    total = time.perf_counter() - started
    report = {"papers": summary.aggregates.papers, "entities": len(summary.entities), "seconds": summary.seconds,
              "total": total, "files": {f.name: f.stat().st_size for f in summary.files}}
    if check:
        started = time.perf_counter()
        report["validated"] = validate(Path(out))
        report["validate_seconds"] = time.perf_counter() - started
    print(json.dumps(report))


# ---------------------------------------------------------------- report

CONFIDENCE = 0.95


def median_interval(values: list[float], confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """A distribution-free confidence interval for the median of a configuration's rounds (order statistics,
    scipy's `quantile_test`): the rounds' spread comes from the machine's drift, which is not normal. None when there
    are too few rounds for that confidence (fewer than six for 95%)."""
    from scipy.stats import quantile_test

    interval = quantile_test(values, q=statistics.median(values), p=0.5).confidence_interval(confidence)
    if any(math.isnan(end) or math.isinf(end) for end in (interval.low, interval.high)):
        return None
    return float(interval.low), float(interval.high)


def _median(values: list[float], digits: int = 3, suffix: str = "") -> str:
    """A median as the table shows it: with its confidence interval when there are rounds enough for one."""
    interval = median_interval(values) if len(values) > 1 else None
    text = f"{statistics.median(values):.{digits}f}{suffix}"
    if interval:
        text += f" ({interval[0]:.{digits}f}–{interval[1]:.{digits}f})"
    return text


def _rate(papers: int, seconds: float) -> str:
    return f"{papers / seconds:,.0f}" if seconds > 0 else "–"


def exports_share(build: dict) -> float:
    """The exports' share of a one-worker build's time: their stage seconds over the build's wall time (the
    pipeline's build and the steps between stages included). With workers, pass two's stages run in several
    processes at once, so no share is given."""
    return sum(v for k, v in build["seconds"].items() if k.startswith("export")) / build["total"]


def table(rows: list[dict]) -> str:
    header = ("| abstracts | workers | total s | peak RSS | " + " | ".join(STAGES) + " | exports' share of build time | "
              "tokeniser /s | extract ÷ tokeniser, build | extract ÷ tokeniser, paired | speed-up vs 1 worker | "
              "ttl | graphml | html | mentions |")
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for row in rows:
        seconds, papers = row["seconds"], row["papers"]
        sizes = row["files"]
        lines.append(
            f"| {papers:,} | {row['workers']} | {row['total']:.0f} | {row['peak_rss'] / 2**30:.2f} GiB | "
            + " | ".join(_rate(papers, seconds.get(stage, 0.0)) for stage in STAGES)
            + (f" | {100 * row['exports_share']:.0f}%" if "exports_share" in row else " | –")
            + f" | {row.get('tokeniser', 0):,.0f} | "
            + (_median(row["ratios"]) if "ratios" in row else "–") + " | "
            + (_median(row["paired_ratios"]) if "paired_ratios" in row else "–")
            + f" | {_median(row['speedups'], 2, '×') if 'speedups' in row else '–'} | "
            + " | ".join(f"{sizes.get(name, 0) / 2**20:,.0f} MiB" for name in
                         ("graph.ttl", "graph.graphml", "graph.html", "mentions.jsonl")) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated corpus sizes")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "paperkg-bench")
    parser.add_argument("--validate", action="store_true", help="parse every output back after each build")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds: each (size, workers) built this many times, alternating; each ratio the median "
                             "over the rounds, the stage columns those of the fastest build")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--child-tokeniser", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-paired", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_tokeniser:
        print(_tokeniser_rate_here(args.child_tokeniser))
        return
    if args.child_paired:
        print(json.dumps(_paired_rates_here(args.child_paired)))
        return
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]), args.validate)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        corpus = generate(size, args.work / f"synthetic-{size}.jsonl")
        # This machine's speed drifts by 10-70% over minutes (the tokeniser's rate has spread from 4,248 to 7,429 a
        # second within one run), so each ratio compares measurements made one right after the other: a one-worker
        # build's extraction against the tokeniser timed just before and just after it, and a round's one-worker
        # build against its two-worker build. With --repeat, the configurations alternate; each ratio is the median
        # over the rounds (all of them printed), the stage columns are those of each configuration's fastest build.
        worker_counts = [int(w) for w in args.workers.split(",")]
        builds: dict[int, list[dict]] = {workers: [] for workers in worker_counts}
        ceilings, ratios, paired = [], [], []
        speedups: dict[int, list[float]] = {workers: [] for workers in worker_counts}
        for _ in range(max(1, args.repeat)):
            this_round = {}
            for workers in worker_counts:
                if workers == 1:
                    before = tokeniser_rate(corpus)
                row = run_build(corpus, args.work / f"out-{size}-{workers}", workers, args.validate)
                row["workers"] = workers
                if workers == 1:
                    after = tokeniser_rate(corpus)
                    ceilings += [before, after]
                    ratios.append(row["papers"] / row["seconds"]["extract"] / ((before + after) / 2))
                    paired.append(paired_rates(corpus))
                builds[workers].append(row)
                this_round[workers] = row
                if "validated" in row:
                    print(f"  parsed back in {row['validate_seconds']:.0f} s: {row['validated']}", flush=True)
            for workers, row in this_round.items():
                if workers != 1 and 1 in this_round:
                    speedups[workers].append(this_round[1]["total"] / row["total"])
        if not ceilings:  # no one-worker build: the ceiling timed once, for the table
            ceilings.append(tokeniser_rate(corpus))
        for workers in worker_counts:
            row = dict(min(builds[workers], key=lambda build: build["total"]))
            row.update(peak_rss=max(build["peak_rss"] for build in builds[workers]), repeats=max(1, args.repeat),
                       totals=[build["total"] for build in builds[workers]],
                       tokeniser=statistics.median(ceilings), tokeniser_timings=ceilings)
            if workers == 1 and ratios:
                shares = [exports_share(build) for build in builds[workers]]
                row.update(ratio=statistics.median(ratios), ratios=ratios, exports_share=statistics.median(shares),
                           exports_shares=shares, paired=statistics.median(p["ratio"] for p in paired),
                           paired_ratios=[p["ratio"] for p in paired],
                           paired_extract=[p["extract"] for p in paired],
                           paired_tokenise=[p["tokenise"] for p in paired])
            if speedups[workers]:
                row.update(speedup=statistics.median(speedups[workers]), speedups=speedups[workers])
            for key in ("ratios", "paired_ratios", "exports_shares", "speedups"):
                if key in row and (interval := median_interval(row[key])):
                    row[f"{key}_interval"] = interval
            rows.append(row)
            print(table(rows[-1:]).splitlines()[-1], flush=True)
            for key in ("ratios", "paired_ratios", "paired_extract", "paired_tokenise", "exports_shares", "speedups",
                        "totals"):
                if key in row:
                    interval = row.get(f"{key}_interval")
                    print(f"    {key}: " + ", ".join(f"{value:.3f}" for value in row[key])
                          + (f"; median {statistics.median(row[key]):.3f}, {CONFIDENCE:.0%} confidence interval "
                             f"{interval[0]:.3f}–{interval[1]:.3f}" if interval else ""), flush=True)
    report = table(rows)
    print("\n" + report)
    (args.work / "results.json").write_text(json.dumps(rows, indent=2))
    (args.work / "results.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
