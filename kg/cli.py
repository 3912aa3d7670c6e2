"""The `kg` command line."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kg.corpus import FORMATS, CorpusError
from kg.export.html import DEFAULT_MAX_NODES
from kg.export.rdf import RDF_FORMATS

app = typer.Typer(help="paperkg: knowledge graphs of ML research from paper abstracts.", no_args_is_help=True,
                  add_completion=False)
console = Console(stderr=True)


@app.callback()
def main() -> None:
    """paperkg: knowledge graphs of ML research from paper abstracts."""


@app.command("build")
def build_command(
    inputs: Annotated[list[str] | None, typer.Argument(help="Files, directories or globs (daily-papers .txt listings, "
                                                       "JSONL, CSV, arXiv snapshot). None: the bundled sample corpus.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the exports to.")] = Path("exports"),
    fmt: Annotated[str | None, typer.Option("--format", help=f"Force the input format: {', '.join(FORMATS)}.")] = None,
    rdf_format: Annotated[str, typer.Option("--rdf-format", help=f"RDF serialisation: {', '.join(RDF_FORMATS)}.")] = "ttl",
    spacy_model: Annotated[str | None, typer.Option("--spacy-model", help="An installed spaCy pipeline to use "
                                                    "instead of the blank English one.")] = None,
    html_max_nodes: Annotated[int, typer.Option("--html-max-nodes", help="Node budget of the HTML view.")] = DEFAULT_MAX_NODES,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or problem list.")] = False,
) -> None:
    """Build the knowledge graph and write graph.ttl, graph.graphml, graph.html and mentions.jsonl."""
    from kg.build import build, write_exports

    if rdf_format not in RDF_FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(RDF_FORMATS)}", param_hint="--rdf-format")
    started = time.perf_counter()
    progress = Progress(TextColumn("extracting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, disable=quiet or not console.is_terminal, transient=True)
    task = None

    def on_start(total: int) -> None:
        nonlocal task
        task = progress.add_task("extract", total=total)

    try:
        with progress:
            result = build(inputs, fmt, spacy_model, on_start=on_start,
                           on_paper=lambda: progress.advance(task) if task is not None else None)
    except CorpusError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    if not quiet:
        for problem in result.corpus.problems:
            console.print(f"[yellow]skipped[/yellow] {problem}", highlight=False, soft_wrap=True, markup=True)
    files = write_exports(result, out, rdf_format, html_max_nodes)
    _print_summary(result, files, time.perf_counter() - started)


def _print_summary(result, files, seconds: float) -> None:
    corpus = result.corpus
    table = Table(title="paperkg build", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("input files", str(len(corpus.files)))
    table.add_row("records read", str(corpus.records_read))
    table.add_row("papers", f"{len(corpus.papers)} ({corpus.duplicates_merged} duplicates merged, "
                            f"{len(corpus.problems)} records skipped)")
    table.add_row("papers with entities", f"{result.papers_with_links()} "
                  f"({100 * result.papers_with_links() / max(1, len(corpus.papers)):.1f}%)")
    per_type = result.entities_per_type()
    table.add_row("entities", f"{sum(per_type.values())}: " + ", ".join(f"{k} {per_type[k]}" for k in
                                                                        ("method", "dataset", "architecture", "task")))
    per_relation = result.links_per_relation()
    table.add_row("links", f"{sum(per_relation.values())}: " + ", ".join(
        f"{k} {per_relation[k]}" for k in ("proposes", "evaluates_on", "addresses", "uses")))
    table.add_row("files written", "\n".join(str(f) for f in files))
    table.add_row("stage seconds", ", ".join(f"{k} {v:.2f}" for k, v in result.seconds.items()))
    table.add_row("total seconds", f"{seconds:.1f}")
    Console(file=sys.stdout, width=120).print(table)


if __name__ == "__main__":
    app()
