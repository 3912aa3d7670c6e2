from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from kg.corpus import CorpusError, ReadProblem, detect_format, read_corpus, read_file, sample_corpus_files

ABSTRACT = ("We propose a method for semantic segmentation that improves accuracy on ADE20K and Cityscapes "
            "by a large margin while staying fast and simple to train.")


def test_seed_files_give_exact_paper_counts(seed_files):
    per_file = {path.name[:3]: sum(1 for item in read_file(path) if not isinstance(item, ReadProblem))
                for path in seed_files}
    assert per_file == {"000": 55, "001": 70, "002": 196, "003": 72, "004": 65}
    corpus = read_corpus(seed_files)
    assert corpus.records_read == 458
    assert len(corpus.papers) == 404
    assert corpus.duplicates_merged == 54
    assert corpus.problems == []


def test_seed_boilerplate_is_not_a_paper_and_glued_subscribe_is_stripped(seed_files):
    corpus = read_corpus(seed_files)
    titles = {paper.title for paper in corpus.papers}
    assert "PixelFlow: Pixel-Space Generative Models with Flow" in titles
    assert not any(t.startswith("Subscribe") or t in {"new", "Daily Papers", "Mar 11"} for t in titles)
    assert not any("research community" in t or "trending papers" in t for t in titles)
    assert all(len(paper.abstract) > 100 for paper in corpus.papers)


def test_duplicates_keep_every_source(seed_files):
    corpus = read_corpus(seed_files)
    fcn = [p for p in corpus.papers if p.title == "Fully Convolutional Networks for Semantic Segmentation"]
    assert len(fcn) == 1
    assert len(fcn[0].sources) == 2
    merged_sources = sum(len(p.sources) for p in corpus.papers)
    assert merged_sources == 458
    assert all(source.line >= 1 for p in corpus.papers for source in p.sources)


def test_bundled_sample_corpus_is_the_seeds(seed_files):
    assert [p.name for p in sample_corpus_files()] == [p.name for p in seed_files]
    assert len(read_corpus().papers) == 404


def test_dense_and_blank_line_layouts(tmp_path):
    dense = tmp_path / "dense.txt"
    dense.write_text("Get trending papers in your email inbox!\nSubscribeFirst Title: A Study\n" + ABSTRACT +
                     "\nSecond Title\n" + ABSTRACT.replace("ADE20K", "COCO") + "\n", encoding="utf-8")
    spaced = tmp_path / "spaced.txt"
    spaced.write_text("new\n\nSubscribe\n\nbyAK and the research community\n\nMar 11\n\nThird Title\n\n" + ABSTRACT +
                      "\n\n", encoding="utf-8")
    corpus = read_corpus([dense, spaced])
    assert [p.title for p in corpus.papers] == ["First Title: A Study", "Second Title", "Third Title"]
    assert corpus.papers[2].sources[0].line == 9


def test_listing_title_without_abstract_is_reported_and_rest_read(tmp_path):
    path = tmp_path / "listing.txt"
    path.write_text("Lonely Title\n\nGood Title\n\n" + ABSTRACT + "\n", encoding="utf-8")
    corpus = read_corpus([path])
    assert [p.title for p in corpus.papers] == ["Good Title"]
    assert len(corpus.problems) == 1
    assert corpus.problems[0].source.line == 1
    assert "without an abstract" in corpus.problems[0].reason


def test_undecodable_bytes_are_reported_with_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"title": "Good", "abstract": ABSTRACT}).encode()
    path.write_bytes(good + b"\n" + b'{"title": "Bad \xff\xfe", "abstract": "x"}\n' + good.replace(b"Good", b"Also good") + b"\n")
    corpus = read_corpus([path])
    assert [p.title for p in corpus.papers] == ["Good", "Also good"]
    assert [(str(p.source.path), p.source.line) for p in corpus.problems] == [(str(path), 2)]
    assert "UTF-8" in corpus.problems[0].reason


def test_jsonl_broken_line_and_missing_abstract_are_skipped_and_counted(tmp_path):
    path = tmp_path / "papers.jsonl"
    lines = [
        json.dumps({"id": "p1", "title": "One", "abstract": ABSTRACT, "url": "https://example.org/1",
                    "date": "2024-03-11", "authors": ["Ada Lovelace", "Alan Turing"]}),
        '{"title": "Broken", "abstract": ',
        json.dumps({"title": "No abstract"}),
        "",
        json.dumps({"title": "Two", "abstract": ABSTRACT, "authors": "Grace Hopper and Edsger Dijkstra"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = read_corpus([path])
    assert [p.title for p in corpus.papers] == ["One", "Two"]
    assert corpus.papers[0].id == "p1" and corpus.papers[0].url == "https://example.org/1"
    assert corpus.papers[0].authors == ("Ada Lovelace", "Alan Turing")
    assert corpus.papers[1].authors == ("Grace Hopper", "Edsger Dijkstra")
    assert sorted((p.source.line, p.reason.split(" ")[0]) for p in corpus.problems) == [(2, "broken"), (3, "record")]


def test_csv_with_optional_columns(tmp_path):
    path = tmp_path / "papers.csv"
    path.write_text('id,title,abstract,url,date,authors\n'
                    f'c1,"A, quoted title","{ABSTRACT}",https://x.org/c1,2024-01-02,"A. One; B. Two"\n'
                    f'c2,Missing,,,,\n'
                    f'c3,"Multi\nline title","{ABSTRACT}",,,\n', encoding="utf-8")
    corpus = read_corpus([path])
    assert [p.title for p in corpus.papers] == ["A, quoted title", "Multi line title"]
    assert corpus.papers[0].authors == ("A. One", "B. Two")
    assert [(p.source.line, "no abstract" in p.reason) for p in corpus.problems] == [(3, True)]
    assert corpus.papers[1].sources[0].line == 4


def test_arxiv_snapshot_format(tmp_path):
    path = tmp_path / "arxiv-metadata-oai-snapshot.json"
    record = {"id": "2101.00001", "submitter": "X", "authors": "A. Author, B. Author and C. Author",
              "title": "A  Title\n  over two lines", "abstract": "  " + ABSTRACT.replace(" by", "\n by"),
              "categories": "cs.CV cs.LG", "update_date": "2021-01-05",
              "authors_parsed": [["Author", "A.", ""], ["Author", "B.", ""]]}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert detect_format(path) == "jsonl"
    paper = read_corpus([path], fmt="arxiv").papers[0]
    assert paper.title == "A Title over two lines"
    assert "\n" not in paper.abstract
    assert paper.id == "2101.00001"
    assert paper.url == "https://arxiv.org/abs/2101.00001"
    assert paper.date == "2021-01-05"
    assert paper.categories == ("cs.CV", "cs.LG")
    assert len(paper.authors) == 2


def test_directories_globs_and_empty_files(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.jsonl").write_text(json.dumps({"title": "One", "abstract": ABSTRACT}) + "\n")
    (tmp_path / "a" / "empty.jsonl").write_text("")
    (tmp_path / "a" / "empty.txt").write_text("")
    (tmp_path / "b.csv").write_text(f'title,abstract\nTwo,"{ABSTRACT}"\n')
    corpus = read_corpus([tmp_path / "a", str(tmp_path / "*.csv")])
    assert sorted(p.title for p in corpus.papers) == ["One", "Two"]
    assert corpus.problems == []
    with pytest.raises(CorpusError, match="no such file"):
        read_corpus([tmp_path / "missing.jsonl"])
    with pytest.raises(CorpusError, match="no files match"):
        read_corpus([str(tmp_path / "*.nothing")])


def test_format_is_detected_from_content_and_can_be_forced(tmp_path):
    path = tmp_path / "papers.data"
    path.write_text(json.dumps({"title": "One", "abstract": ABSTRACT}) + "\n")
    assert detect_format(path) == "jsonl"
    csv_path = tmp_path / "papers.export"
    csv_path.write_text(f'title,abstract\nTwo,"{ABSTRACT}"\n')
    assert detect_format(csv_path) == "csv"
    assert [p.title for p in read_corpus([csv_path], fmt="csv").papers] == ["Two"]
    with pytest.raises(CorpusError, match="unknown format"):
        read_corpus([csv_path], fmt="xlsx")


def test_paper_ids_are_stable_and_safe(seed_files):
    first = [p.id for p in read_corpus(seed_files).papers]
    second = [p.id for p in read_corpus(seed_files).papers]
    assert first == second
    assert len(set(first)) == len(first)
    assert all(ch.isalnum() or ch in "-._~" for pid in first for ch in pid)
    assert Counter(len(pid) > 0 for pid in first)[True] == 404


def test_clean_text_gives_what_collapsing_whitespace_and_dropping_xml_illegal_characters_gives():
    """`clean_text` returns clean text as it is (a fast path for nearly every title and abstract); whatever it is
    given, the result is the full rule's: XML-illegal characters become spaces, whitespace runs one space, no
    space at either end."""
    import random

    from kg.corpus import clean_text
    from kg.text import without_xml_illegal

    alphabet = (["a", "Z", "1", " ", "  ", "é", "∑", "<", "&"] + [chr(c) for c in range(0x20)]
                + ["\x7f", "\x85", "\xa0", "\u2000", "\u2028", "\u2029", "\u3000", "\ufeff", "\ufffe", "\uffff"])
    generator = random.Random(3)
    samples = ["A clean title", " leading", "trailing ", "two  spaces", ""]
    samples += ["".join(generator.choice(alphabet) for _ in range(generator.randint(0, 12))) for _ in range(5000)]
    for text in samples:
        assert clean_text(text) == " ".join(without_xml_illegal(text).split()), repr(text)


# ---------------------------------------------------------------- one record never stops a file

def _problems_and_titles(corpus):
    return {str(p.source.line): p.reason for p in corpus.problems}, [p.title for p in corpus.papers]


def test_each_bad_record_is_reported_by_line_and_the_rest_is_read(tmp_path):
    good = {"title": "A first good paper", "abstract": ABSTRACT}
    lines = [json.dumps(good),
             json.dumps({"title": "Huge", "abstract": "word " * 30_000}),
             '{"title": "Lone \\ud800 surrogate", "abstract": "' + ABSTRACT + '"}',
             json.dumps({"title": "Number", "abstract": 12345}),
             json.dumps({"title": "List", "abstract": ["We propose", "a model"]}),
             json.dumps({"title": "Object", "abstract": {"text": "x"}}),
             json.dumps({"title": "Boolean", "abstract": True}),
             json.dumps({"id": "2101.00001", "title": "An arXiv record", "abstract": ABSTRACT,
                         "update_date": "2021-01-01", "categories": "cs.LG", "authors_parsed": [["X", None, ""]]}),
             json.dumps({"title": "The last good paper", "abstract": ABSTRACT})]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems, titles = _problems_and_titles(read_corpus([path], max_chars=100_000))
    assert titles == ["A first good paper", "An arXiv record", "The last good paper"]
    assert "over --max-chars 100,000" in problems["2"]
    assert "surrogate" in problems["3"]
    assert [problems[str(n)].split(" is ")[1].split(",")[0] for n in range(4, 8)] == [
        "a number", "a list", "an object", "true/false"]
    arxiv = read_corpus([path]).papers[1]
    assert arxiv.authors == ("X",)


def test_utf16_and_utf32_files_are_read_by_their_byte_order_mark(tmp_path):
    record = json.dumps({"title": "A paper in UTF-16", "abstract": ABSTRACT}) + "\n"
    for encoding in ("utf-16", "utf-16-be", "utf-32"):
        path = tmp_path / f"{encoding}.jsonl"
        data = record.encode(encoding)
        if encoding == "utf-16-be":
            data = b"\xfe\xff" + data
        path.write_bytes(data)
        assert [p.title for p in read_corpus([path]).papers] == ["A paper in UTF-16"], encoding
    listing = tmp_path / "listing.txt"
    listing.write_text(f"CNN Filter Pruning\n{ABSTRACT}\n", encoding="utf-16")
    assert [p.title for p in read_corpus([listing]).papers] == ["CNN Filter Pruning"]
    table = tmp_path / "table.csv"
    table.write_text(f'title,abstract\nA CSV paper,"{ABSTRACT}"\n', encoding="utf-16")
    assert [p.title for p in read_corpus([table]).papers] == ["A CSV paper"]


def test_utf16_without_a_byte_order_mark_is_named_not_read_as_garbage(tmp_path):
    path = tmp_path / "no-bom.txt"
    path.write_bytes(f"CNN Filter Pruning\n{ABSTRACT}\n".encode("utf-16-le"))
    corpus = read_corpus([path])
    assert corpus.papers == []
    assert len(corpus.problems) == 1 and "UTF-16" in corpus.problems[0].reason
    assert str(corpus.problems[0].source) == f"{path}:1"


def test_an_unclosed_csv_quote_does_not_swallow_the_next_records(tmp_path):
    path = tmp_path / "quotes.csv"
    path.write_text('id,title,abstract\n'
                    f'1,"Title A,{ABSTRACT}\n'
                    f'2,"Title B","{ABSTRACT}"\n'
                    f'3,"Title C","{ABSTRACT[:60]}\n{ABSTRACT[60:]}, with, commas"\n'
                    f'4,Title D,"{ABSTRACT}"\n', encoding="utf-8")
    corpus = read_corpus([path])
    assert [p.title for p in corpus.papers] == ["Title B", "Title C", "Title D"]
    assert [str(p.source) for p in corpus.problems] == [f"{path}:2"]
    assert "never closed" in corpus.problems[0].reason
