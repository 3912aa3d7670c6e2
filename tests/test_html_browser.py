"""The HTML graph in real headless Chromium (Debian's chromium, driven by Playwright), with the network blocked."""

from __future__ import annotations

import json
import shutil

import pytest
from playwright.sync_api import sync_playwright

from kg.builder import build, write_exports

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_offline(browser, path):
    """Open a file with every non-file request blocked and counted; collect console errors and dialogs."""
    page = browser.new_page()
    report = {"blocked": [], "errors": [], "dialogs": []}

    def route(request_route):
        if request_route.request.url.startswith("file://"):
            request_route.continue_()
        else:
            report["blocked"].append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda message: report["errors"].append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: report["errors"].append(str(error)))
    page.on("dialog", lambda dialog: (report["dialogs"].append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_function("window.paperkg && window.paperkg.ready", timeout=30_000)
    return page, report


@pytest.fixture(scope="module")
def seeds_html(seeds_exports):
    result, out = seeds_exports
    return result, out / "graph.html"


def test_seeds_graph_renders_every_node_offline(browser, seeds_html):
    result, html = seeds_html
    page, report = open_offline(browser, html)
    expected = result.graph.number_of_nodes()
    assert expected <= 2000
    drawn = page.evaluate("window.paperkg.network.body.nodeIndices.length")
    assert drawn == expected
    kinds = page.evaluate("[...new Set(window.paperkg.nodes.get().map(n => n.kind))].sort()")
    assert kinds == ["architecture", "dataset", "method", "paper", "task"]
    legend = page.inner_text("#legend")
    assert all(kind in legend for kind in kinds)
    # the canvas really has something drawn on it
    painted = page.evaluate("""() => { const c = document.querySelector('#graph canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""")
    assert painted > 1000
    assert report["blocked"] == []
    assert report["errors"] == []
    # tooltips are plain text with the entity label
    imagenet = page.evaluate("window.paperkg.nodes.get('entity:imagenet').title")
    assert imagenet.startswith("ImageNet\ndataset")
    page.screenshot(path=str(html.with_suffix(".png")))
    page.close()


def test_hostile_titles_are_shown_as_text_and_run_nothing(browser, tmp_path):
    source = tmp_path / "xss.jsonl"
    records = [
        {"title": "<img src=x onerror=alert(1)> Evil", "abstract": "We present EvilNet, a network for object "
         "detection trained on COCO. </script><script>alert(2)</script> It works."},
        {"title": "Second <script>alert(3)</script>", "abstract": "We study semantic segmentation on "
         "Cityscapes with a ResNet backbone and report strong results on ADE20K."},
    ]
    source.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    result = build([source])
    write_exports(result, tmp_path / "out")
    page, report = open_offline(browser, tmp_path / "out" / "graph.html")
    assert report["dialogs"] == []
    assert report["errors"] == []
    assert report["blocked"] == []
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    titles = page.evaluate("window.paperkg.nodes.get().filter(n => n.kind === 'paper').map(n => n.title)")
    assert any(t.startswith("<img src=x onerror=alert(1)> Evil") for t in titles)
    assert page.evaluate("window.paperkg.network.body.nodeIndices.length") == result.graph.number_of_nodes()
    page.close()
