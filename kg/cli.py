"""The `kg` command line."""

from __future__ import annotations

import json
from collections import Counter
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kg.corpus import DEFAULT_MAX_CHARS, FORMATS, MAX_CHARS_LIMIT, CorpusError
from kg.export.html_budget import DEFAULT_MAX_NODES
from kg.export.rdf import RDF_FORMATS

app = typer.Typer(help="paperkg: knowledge graphs of ML research from paper abstracts.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)
_debug = False  # --debug: let an unexpected error's traceback through


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            sys.stdout.write(f"paperkg {version('paperkg')}\n")
        except PackageNotFoundError:
            sys.stdout.write("paperkg (not installed as a package)\n")
        raise typer.Exit()


@app.callback()
def main(
    show_version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback of an unexpected error.")] = False,
) -> None:
    """paperkg: knowledge graphs of ML research from paper abstracts."""
    global _debug
    _debug = debug


def run() -> None:
    """The `kg` command: the CLI, with any unexpected error reported in one line (the traceback with --debug)."""
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted", highlight=False)
        raise SystemExit(130) from None
    except Exception as error:  # noqa: BLE001  (a user sees one line; --debug shows where it came from)
        if _debug or "--debug" in sys.argv[1:]:
            raise
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        console.print(f"[red]error:[/red] {type(error).__name__}{': ' + message if message else ''} "
                      "(run with --debug for the traceback)", soft_wrap=True, highlight=False)
        raise SystemExit(2) from None


def _build_folder(argument: Path | None, option: Path | None) -> Path:
    """The build folder (or RDF file) a command reads, given as an argument or with --data (default: exports)."""
    if argument is not None and option is not None and argument != option:
        raise typer.BadParameter(f"two build folders given ({argument} and {option}): give one", param_hint="--data")
    return option or argument or Path("exports")


DATA_ARGUMENT = typer.Argument(help="The build folder (or RDF file) to read; default: exports.", show_default=False)
DATA_OPTION = typer.Option("--data", "-d", help="The same, as an option.", show_default=False)


@app.command("build")
def build_command(
    inputs: Annotated[list[str] | None, typer.Argument(help="Files, directories or globs (daily-papers .txt listings, "
                                                       "JSONL, CSV, arXiv snapshot). None: the bundled sample corpus.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Directory to write the exports to (default: "
                                             "exports).")] = None,
    update: Annotated[Path | None, typer.Option("--update", help="Add the inputs to the build in this directory "
                                                "without re-extracting its papers (instead of --out).")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help=f"Force the input format: {', '.join(FORMATS)}.")] = None,
    rdf_format: Annotated[str, typer.Option("--rdf-format", help=f"RDF serialisation: {', '.join(RDF_FORMATS)}.")] = "ttl",
    spacy_model: Annotated[str | None, typer.Option("--spacy-model", help="An installed spaCy pipeline to use "
                                                    "instead of the blank English one.")] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", min=0, help="Local processes that extract, then "
                                         "link and encode the exports, in parallel (0: one per core).")] = 1,
    dask: Annotated[str | None, typer.Option("--dask", metavar="SCHEDULER_ADDRESS", help="Run extraction on this "
                                             "Dask distributed cluster (e.g. tcp://scheduler:8786).")] = None,
    html_max_nodes: Annotated[int, typer.Option("--html-max-nodes", help="Node budget of the HTML view.")] = DEFAULT_MAX_NODES,
    max_chars: Annotated[int, typer.Option("--max-chars", min=1, max=MAX_CHARS_LIMIT, help="A record whose title "
                                           "and abstract are longer is reported and skipped.")] = DEFAULT_MAX_CHARS,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or problem list.")] = False,
) -> None:
    """Build the knowledge graph and write graph.ttl, graph.graphml, graph.html and mentions.jsonl."""
    from kg.builder import build_directory
    from kg.executors import worker_count
    from kg.output_folder import OutputFolderError
    from kg.spool import StateError

    if rdf_format not in RDF_FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(RDF_FORMATS)}", param_hint="--rdf-format")
    if update is not None and not inputs:
        raise typer.BadParameter("name the new inputs to add", param_hint="--update DIR NEW_INPUT ...")
    if update is not None and out is not None:
        raise typer.BadParameter("--update writes into the build it extends; give --update DIR or --out DIR, not "
                                 "both", param_hint="--out")
    if spacy_model and not _spacy_model_installed(spacy_model):
        console.print(f"[red]error:[/red] the spaCy pipeline {spacy_model!r} is not installed: install it into this "
                      f"environment (python -m spacy download {spacy_model}), or leave --spacy-model out to use "
                      "paperkg's own rules", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    out = out if out is not None else Path("exports")
    workers = worker_count(workers)  # 0: one per core, said in the summary
    started = time.perf_counter()
    progress = Progress(TextColumn("extracting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, disable=quiet or not console.is_terminal, transient=True)
    task = progress.add_task("extract", total=None)
    try:
        with progress:
            summary = build_directory(inputs, update or out, fmt=fmt, rdf_format=rdf_format, spacy_model=spacy_model,
                                      html_max_nodes=html_max_nodes, workers=workers, dask_address=dask,
                                      update=update is not None, max_chars=max_chars,
                                      on_paper=lambda: progress.advance(task))
    except (CorpusError, StateError, OutputFolderError) as error:
        console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except OSError as error:  # the disk: permissions, no space
        console.print(f"[red]error:[/red] cannot write the build into {update or out}: {error}", highlight=False,
                      soft_wrap=True)
        raise typer.Exit(2) from None
    if not quiet:
        for problem in summary.corpus.problems:
            console.print(f"[yellow]skipped[/yellow] {problem}", highlight=False, soft_wrap=True, markup=True)
    local = f"{workers} local process" + ("es" if workers > 1 else "")
    _print_summary(summary, time.perf_counter() - started, update is not None,
                   f"extraction on Dask at {dask}; linking and exports in {local}" if dask else local)


def _spacy_model_installed(name: str) -> bool:
    """Whether `spacy.load(name)` can find the pipeline: an installed package or a folder (nothing is downloaded)."""
    from importlib.util import find_spec

    return Path(name).is_dir() or find_spec(name.replace("-", "_")) is not None


def _print_summary(summary, seconds: float, update: bool, workers: str) -> None:
    corpus, aggregates = summary.corpus, summary.aggregates
    table = Table(title="paperkg build", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("input files", str(len(corpus.files)))
    table.add_row("records read", str(corpus.records_read))
    table.add_row("papers", f"{aggregates.papers} ({corpus.duplicates_merged} duplicates merged, "
                            f"{len(corpus.problems)} records skipped"
                            + (f"; {summary.papers_extracted} new, extracted now)" if update else ")"))
    table.add_row("papers with entities", f"{aggregates.papers_with_links} "
                  f"({100 * aggregates.papers_with_links / max(1, aggregates.papers):.1f}%)")
    per_type = summary.entities_per_type()
    table.add_row("entities", f"{sum(per_type.values())}: " + ", ".join(f"{k} {per_type[k]}" for k in
                                                                        ("method", "dataset", "architecture", "task"))
                  + (f" (and {summary.hierarchy_only()} broader catalog concepts no paper mentions, kept for the "
                     "hierarchy)" if summary.hierarchy_only() else ""))
    per_relation = aggregates.links_per_relation
    table.add_row("links", f"{sum(per_relation.values())}: " + ", ".join(
        f"{k} {per_relation[k]}" for k in ("proposes", "evaluates_on", "addresses", "uses")))
    relations = aggregates.entity_relation_counts()
    table.add_row("entity relations", f"{sum(relations.values())}: " + ", ".join(
        f"{k} {relations[k]}" for k in ("evaluated_on", "applied_to")))
    table.add_row("results", f"{aggregates.results} in {aggregates.papers_with_results} papers "
                             f"({aggregates.results_with_dataset} with a dataset; {aggregates.baseline_results} "
                             f"quoted from baselines)")
    table.add_row("costs and settings", str(aggregates.measurements))
    table.add_row("files written", "\n".join(str(f) for f in summary.files))
    table.add_row("workers", workers)
    table.add_row("stage seconds", ", ".join(f"{k} {v:.2f}" for k, v in summary.seconds.items()))
    table.add_row("total seconds", f"{seconds:.1f}")
    Console(file=sys.stdout, width=120).print(table)


@app.command("evaluate")
def evaluate_command(
    gold: Annotated[list[Path], typer.Option("--gold", help="A gold set: JSON Lines in this project's format "
                                             "(docs/annotation.md) or the salient-entity format of scirex-dev. "
                                             "Repeat it to report several sets side by side.")],
    inputs: Annotated[list[str] | None, typer.Argument(help="Where the gold papers are (default: the sample corpus, "
                                                       "or papers.jsonl beside a salient-entity gold file).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    errors: Annotated[bool, typer.Option("--errors", help="List false positives and negatives per paper.")] = False,
    hold_out_catalog: Annotated[bool, typer.Option("--hold-out-catalog", help="Also score with every catalog entry "
                                                   "that matches a gold entity removed (generalisation).")] = False,
) -> None:
    """Extraction quality against gold sets: precision, recall and F1 per type (this project's gold format), or
    salient-entity recall and results (scirex-dev's); several sets side by side."""
    from kg.evaluate import GoldError, Report, evaluate
    from kg.evaluate_salient import evaluate_salient, is_salient_gold

    reports = {}
    try:
        for path in gold:
            if is_salient_gold(path):
                reports[path] = evaluate_salient(path, inputs, hold_out_catalog)
            else:
                reports[path] = evaluate(path, inputs, hold_out_catalog)
    except (GoldError, OSError) as error:
        console.print(f"[red]error:[/red] {error}", soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None
    if as_json:
        data = {str(path): report.as_dict(with_errors=errors) for path, report in reports.items()}
        sys.stdout.write(json.dumps(data[str(gold[0])] if len(gold) == 1 else data, indent=2) + "\n")
        return
    out = Console(file=sys.stdout, width=120)
    if len(reports) > 1:
        _print_side_by_side(out, reports)
    for path, report in reports.items():
        if len(reports) == 1 or errors:
            (_print_report if isinstance(report, Report) else _print_salient_report)(out, path, report, errors)


def _print_report(out: Console, path: Path, report, errors: bool) -> None:
    table = Table("level", "type", "precision", "recall", "F1", "tp", "fp", "fn",
                  title=f"kg evaluate: {report.papers} gold papers", title_justify="left")
    rows = [("paper", report.paper_level), ("mention exact", report.mention_exact),
            ("mention overlap", report.mention_overlap)]
    if report.held_out is not None:
        rows.append((f"paper, held-out catalog ({report.held_out_entries} entries removed)", report.held_out))
    for level, scores in rows:
        for kind, s in scores.items():
            table.add_row(level, kind, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.tp), str(s.fp), str(s.fn))
    for level, kind, s in (("proposes links", "all", report.proposes),
                           ("results", "metric + value", report.results),
                           ("results", "+ dataset", report.results_with_dataset)):
        table.add_row(level, kind, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.tp), str(s.fp), str(s.fn))
    out.print(table)
    methods = report.result_methods
    out.print(f"results naming a method in the gold set: method agrees in {methods.tp} of {methods.tp + methods.fn}",
              highlight=False)
    if errors:
        for paper in report.errors:
            if paper.false_positives or paper.false_negatives:
                out.print(f"[bold]{paper.title}[/bold] ({paper.id})", highlight=False)
                for kind, name in paper.false_negatives:
                    out.print(f"  missed    {kind:12} {name}", highlight=False, markup=False)
                for kind, name in paper.false_positives:
                    out.print(f"  spurious  {kind:12} {name}", highlight=False, markup=False)


def _print_salient_report(out: Console, path: Path, report, errors: bool) -> None:
    table = Table("measure", "type", "recall", "found", "missed",
                  title=f"kg evaluate: {path} ({report.papers} papers, salient entities)", title_justify="left")
    for kind, recall in report.by_group.items():
        table.add_row("salient recall", kind, f"{recall.recall:.3f}", str(recall.found), str(recall.missed))
    table.add_row("salient recall", "any type", f"{report.any_type.recall:.3f}", str(report.any_type.found),
                  str(report.any_type.missed))
    for kind, recall in (report.held_out or {}).items():
        table.add_row(f"held-out catalog ({report.held_out_entries} removed)", kind, f"{recall.recall:.3f}",
                      str(recall.found), str(recall.missed))
    out.print(table)
    out.print(f"results: precision {report.results_precision:.3f} (where judged {report.judged_precision:.3f}), "
              f"recall {report.results_recall:.3f} "
              f"(tp {report.results_tp}, fp {report.results_fp}, fn {report.results_fn}); recall with the dataset "
              f"{report.with_dataset_recall:.3f}", highlight=False)
    if errors:
        for paper_id, kind, name in report.misses:
            out.print(f"  missed    {paper_id[:12]} {kind:22} {name}", highlight=False, markup=False)
        for paper_id, text in report.spurious_results:
            out.print(f"  spurious  {paper_id[:12]} result                 {text}", highlight=False, markup=False)


def _summary(report) -> dict[str, str]:
    """A report's headline figures, keyed by what they measure (for the side-by-side table)."""
    from kg.evaluate import Report

    def p_r(precision: float, recall: float) -> str:
        return f"P {precision:.3f} / R {recall:.3f}"

    rows: dict[str, str] = {"papers": str(report.papers)}
    if isinstance(report, Report):
        for kind, s in report.paper_level.items():
            rows[f"entities {kind}: F1 (P / R)"] = f"{s.f1:.3f} ({s.precision:.3f} / {s.recall:.3f})"
        for kind, s in (report.held_out or {}).items():
            rows[f"held-out catalog recall, {kind}"] = f"{s.recall:.3f}"
        rows["proposes"] = p_r(report.proposes.precision, report.proposes.recall)
        rows["results (value)"] = p_r(report.results.precision, report.results.recall)
        rows["results + dataset"] = p_r(report.results_with_dataset.precision, report.results_with_dataset.recall)
    else:
        for kind, recall in report.by_group.items():
            rows[f"salient recall, {kind}"] = f"{recall.recall:.3f}"
        rows["salient recall, any type"] = f"{report.any_type.recall:.3f}"
        for kind, recall in (report.held_out or {}).items():
            rows[f"held-out catalog recall, {kind}"] = f"{recall.recall:.3f}"
        rows["results (value)"] = p_r(report.results_precision, report.results_recall)
        rows["results (value), precision where judged"] = f"P {report.judged_precision:.3f}"
        rows["results + dataset"] = f"R {report.with_dataset_recall:.3f}"
    return rows


def _print_side_by_side(out: Console, reports: dict) -> None:
    summaries = {path: _summary(report) for path, report in reports.items()}
    measures = list(dict.fromkeys(key for summary in summaries.values() for key in summary))
    table = Table("measure", *(str(path.parent.name if path.name == "gold.jsonl" else path.name) for path in reports),
                  title="kg evaluate: development sets side by side", title_justify="left")
    for measure in measures:
        table.add_row(measure, *(summary.get(measure, "–") for summary in summaries.values()))
    out.print(table)


@app.command("duplicates")
def duplicates_command(
    folder: Annotated[Path | None, DATA_ARGUMENT] = None,
    data_option: Annotated[Path | None, DATA_OPTION] = None,
) -> None:
    """Entity nodes that look like one thing twice: same normalised label, or one the other's abbreviation."""
    from kg.duplicates import duplicate_pairs
    from kg.rdf_reader import read_graph

    data = _build_folder(folder, data_option)
    try:
        linked = read_graph(data)
    except (FileNotFoundError, ValueError) as error:
        console.print(f"[red]error:[/red] {error}", soft_wrap=True)
        raise typer.Exit(2) from None
    pairs = duplicate_pairs(linked.entities)
    for pair in pairs:
        first, second = linked.entities[pair.first], linked.entities[pair.second]
        sys.stdout.write(f"{pair.reason}: {first.label} ({first.type}) ~ {second.label} ({second.type})\n")
    rate = len(pairs) / max(1, len(linked.entities))
    sys.stdout.write(f"{len(pairs)} duplicate pairs among {len(linked.entities)} entities (rate {rate:.4f})\n")


@app.command("html")
def html_command(
    folder: Annotated[Path | None, DATA_ARGUMENT] = None,
    data_option: Annotated[Path | None, DATA_OPTION] = None,
    focus: Annotated[str | None, typer.Option("--focus", help="Centre the view on this entity (any of its names).")] = None,
    hops: Annotated[int, typer.Option("--hops", min=0, help="With --focus: how many paper/entity links to follow.")] = 2,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="The HTML file to write (default: DATA/graph-FOCUS.html, "
                                             "or DATA/graph.html).")] = None,
    max_nodes: Annotated[int, typer.Option("--html-max-nodes", help="Node budget of the view.")] = DEFAULT_MAX_NODES,
) -> None:
    """Write an interactive HTML view of an existing build: the whole graph, or the neighbourhood of one entity."""
    from kg.export.html import write_html_file
    from kg.names import slugify
    from kg.query import NotFound, load

    data = _build_folder(folder, data_option)
    try:
        graph = load(data)
        view = graph.neighbourhood(focus, hops) if focus else graph.graph
        title = f"paperkg · {graph.entity(focus).label} · {hops} hops" if focus else "paperkg"
    except (FileNotFoundError, ValueError, NotFound) as error:
        console.print(f"[red]error:[/red] {error.args[0] if isinstance(error, NotFound) else error}", soft_wrap=True)
        raise typer.Exit(2) from None
    folder = data if data.is_dir() else data.parent
    target = out or folder / (f"graph-{slugify(focus)}.html" if focus else "graph.html")
    if target.is_symlink():  # the build's own page: rewritten inside the build's generation, under its lock
        from kg.output_folder import OutputFolder, OutputFolderError

        try:
            with OutputFolder(target.parent).writing():
                write_html_file(view, target.resolve(), max_nodes, title)
        except OutputFolderError as error:
            console.print(f"[red]error:[/red] {error}", soft_wrap=True, highlight=False)
            raise typer.Exit(2) from None
    else:
        write_html_file(view, target, max_nodes, title)
    shown = min(view.number_of_nodes(), max_nodes)
    sys.stdout.write(f"{target}: {shown} of {view.number_of_nodes()} nodes\n")


@app.command("sparql")
def sparql_command(
    query: Annotated[str, typer.Argument(help="A SPARQL query, or @FILE.rq to read one (see docs/queries/). The "
                                         "prefixes kg, rdf, rdfs, owl, xsd, skos, dcterms, prov and schema need no "
                                         "declaration.")],
    folder: Annotated[Path | None, DATA_ARGUMENT] = None,
    data_option: Annotated[Path | None, DATA_OPTION] = None,
    output: Annotated[str, typer.Option("--format", "-f", help="table, csv or json (SPARQL 1.1 results JSON).")] = "table",
) -> None:
    """Answer a SPARQL 1.1 query over the exported RDF (engine: pyoxigraph)."""
    from kg.sparql import open_store, read_query, run, to_csv

    data = _build_folder(folder, data_option)
    if output not in {"table", "csv", "json"}:
        raise typer.BadParameter("choose table, csv or json", param_hint="--format")
    try:
        store = open_store(data)
        result = run(store, read_query(query))
    except (FileNotFoundError, OSError, SyntaxError, ValueError) as error:
        console.print(f"[red]error:[/red] {error}", soft_wrap=True)
        raise typer.Exit(2) from None
    out = Console(file=sys.stdout, width=160)
    if result.triples is not None:
        sys.stdout.write(result.triples)
    elif output == "json":
        sys.stdout.write(result.json + "\n")
    elif result.boolean is not None:
        sys.stdout.write(f"{str(result.boolean).lower()}\n")
    elif output == "csv":
        sys.stdout.write(to_csv(result))
    else:
        table = Table(*result.variables, show_lines=False)
        for row in result.rows:
            table.add_row(*["" if row[v] is None else str(row[v]) for v in result.variables])
        out.print(table)
        out.print(f"{len(result.rows)} rows")


@app.command("validate")
def validate_command(
    folder: Annotated[Path | None, DATA_ARGUMENT] = None,
    data_option: Annotated[Path | None, DATA_OPTION] = None,
) -> None:
    """Check an exported graph against the SHACL shapes in ontology/shapes.ttl."""
    from kg.validate import validate

    data = _build_folder(folder, data_option)
    try:
        conforms, report = validate(data)
    except (FileNotFoundError, ValueError) as error:
        console.print(f"[red]error:[/red] {error}", soft_wrap=True)
        raise typer.Exit(2) from None
    sys.stdout.write(report if not conforms else "conforms to ontology/shapes.ttl\n")
    raise typer.Exit(0 if conforms else 1)


@app.command("serve")
def serve_command(
    folder: Annotated[Path | None, DATA_ARGUMENT] = None,
    data_option: Annotated[Path | None, DATA_OPTION] = None,
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535, help="TCP port.")] = 7878,
    host: Annotated[str, typer.Option("--host", help="Address to bind. The default serves this machine only; "
                                      "--host 0.0.0.0 exposes the (read-only) endpoint to the network.")] = "127.0.0.1",
    store_path: Annotated[Path | None, typer.Option("--store", help="A new or empty folder for the on-disk Oxigraph "
                                                    "store (default: DATA/.oxigraph). Only a store made by kg serve "
                                                    "is ever replaced.")] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds a query may run before it is "
                                           "stopped and its memory freed.")] = 30.0,
    max_concurrent: Annotated[int, typer.Option("--max-concurrent", min=1, help="Queries answered at once (one "
                                                "process each); more wait briefly, then get 503.")] = 2,
    max_result_mb: Annotated[float, typer.Option("--max-result-mb", min=0.001, help="Largest result sent, in "
                                                 "MB; a larger one is refused (413).")] = 64.0,
    allow_service: Annotated[list[str] | None, typer.Option("--allow-service", metavar="IRI", help="An endpoint "
                                                            "federated SERVICE queries may call (repeatable); "
                                                            "without it SERVICE is refused.")] = None,
) -> None:
    """Serve the exports as a read-only SPARQL 1.1 Protocol endpoint (Oxigraph) at http://HOST:PORT/query."""
    from kg.serve import Limits, QueryProcessError, StoreError, is_loopback, prepare_store, serve

    data = _build_folder(folder, data_option)
    limits = Limits(timeout=timeout, max_concurrent=max_concurrent, max_result_bytes=int(max_result_mb * 1e6),
                    allowed_services=frozenset(allow_service or ()))
    try:
        location = prepare_store(data, store_path)
    except (FileNotFoundError, OSError, StoreError) as error:
        console.print(f"[red]error:[/red] {error}", soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None

    def ready(server) -> None:
        bound_port = server.server_address[1]
        console.print(f"SPARQL endpoint: http://{host}:{bound_port}/query (read-only; {timeout:g} s per query, "
                      f"{max_concurrent} at once; SERVICE "
                      + ("only to the allowed endpoints" if allow_service else "refused") + "). Ctrl-C stops it.",
                      highlight=False, soft_wrap=True)
        if not is_loopback(host):
            console.print(f"[yellow]warning:[/yellow] bound to {host}: anyone who can reach this machine can query "
                          "the graph; there is no authentication.", highlight=False, soft_wrap=True)

    try:
        serve(location, host, port, limits, ready)
    except QueryProcessError as error:
        console.print(f"[red]error:[/red] the store at {location} could not be opened ({error})", highlight=False)
        raise typer.Exit(2) from None
    except OSError as error:
        console.print(f"[red]error:[/red] cannot serve on {host}:{port} ({error.strerror or error})",
                      soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None


if __name__ == "__main__":
    run()
