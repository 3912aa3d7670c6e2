"""The HTML explorer in real headless Chromium (Debian's chromium driven by Playwright), network blocked.

Every test opens the page with all non-file requests aborted and counted, and checks that none left the page
and the console stayed free of errors."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from typer.testing import CliRunner

from kg.builder import build, write_exports
from kg.cli import app

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


class OfflinePage:
    """A page opened from disk with every other request blocked, console errors and dialogs collected."""

    def __init__(self, browser, path: Path, width: int = 1400, height: int = 850):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.blocked, self.errors, self.dialogs = [], [], []
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.paperkg && window.paperkg.ready", timeout=30_000)

    def _route(self, route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def js(self, expression, arg=None):
        return self.page.evaluate(expression, arg)

    def close(self):
        assert self.blocked == [], f"requests left the page: {self.blocked}"
        assert self.errors == [], f"console errors: {self.errors}"
        self.page.close()

    def click_node(self, node_id: str):
        """Zoom onto a node, then click it with the mouse where it is drawn."""
        self.js("id => window.paperkg.network.focus(id, {scale: 2.5, animation: false})", node_id)
        point = self.js("""id => { const n = window.paperkg.network; const p = n.canvasToDOM(n.getPosition(id));
                               const r = document.querySelector('#graph canvas').getBoundingClientRect();
                               return {x: r.left + p.x, y: r.top + p.y}; }""", node_id)
        self.page.mouse.click(point["x"], point["y"])

    def panel_node(self):
        return self.js("document.getElementById('panel').hidden ? null : document.getElementById('panel').dataset.node")


@pytest.fixture
def seeds_page(browser, seeds_exports):
    page = OfflinePage(browser, seeds_exports[1] / "graph.html")
    yield page
    page.close()


def test_renders_every_node_laid_out_with_a_legend(seeds_page, seeds_exports):
    result, _ = seeds_exports
    expected = result.graph.number_of_nodes()
    assert expected <= 2000
    assert seeds_page.js("window.paperkg.network.body.nodeIndices.length") == expected
    assert seeds_page.js("window.paperkg.visibleCount()") == expected
    kinds = seeds_page.js("[...new Set(window.paperkg.nodes.get().map(n => n.kind))].sort()")
    assert kinds == ["architecture", "dataset", "method", "paper", "task"]
    legend = seeds_page.page.inner_text("#legend")
    assert all(kind in legend for kind in kinds)
    shapes = seeds_page.js("Object.fromEntries(window.paperkg.nodes.get().map(n => [n.kind, n.shape]))")
    assert len(set(shapes.values())) == 5
    dashes = seeds_page.js("Object.fromEntries(window.paperkg.edges.get().map(e => [e.relation, JSON.stringify(e.dashes)]))")
    assert dashes["uses"] != dashes["evaluates_on"] != dashes["addresses"]
    painted = seeds_page.js("""() => { const c = document.querySelector('#graph canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""")
    assert painted > 1000
    assert not seeds_page.js("window.paperkg.network.physics.options.enabled")
    assert seeds_page.js("window.paperkg.nodes.get('entity:imagenet').title").startswith("ImageNet\ndataset")


def test_layout_draws_linked_nodes_together_and_apart_from_the_rest(seeds_page):
    """The positions the browser shows: linked nodes sit much closer than two nodes taken at random (a random
    layout gives a ratio near 1), and hardly any node lies on top of another."""
    import numpy as np

    positions = seeds_page.js("window.paperkg.network.getPositions()")
    edges = seeds_page.js("window.paperkg.edges.get().map(e => [e.from, e.to])")
    ids = sorted(positions)
    points = np.array([[positions[i]["x"], positions[i]["y"]] for i in ids])
    index = {node: i for i, node in enumerate(ids)}
    pairs = np.array([(index[a], index[b]) for a, b in edges if a != b])
    linked = np.linalg.norm(points[pairs[:, 0]] - points[pairs[:, 1]], axis=1).mean()
    rng = np.random.default_rng(0)
    first, second = rng.integers(0, len(ids), 20_000), rng.integers(0, len(ids), 20_000)
    anywhere = np.linalg.norm(points[first] - points[second], axis=1).mean()
    assert linked / anywhere < 0.32
    from scipy.spatial import cKDTree

    nearest, _ = cKDTree(points).query(points, k=2)
    assert (nearest[:, 1] < 8).mean() < 0.01


def test_search_by_alias_focuses_the_node(seeds_page):
    seeds_page.page.fill("#search", "vision transformers")
    assert seeds_page.page.inner_text("#suggestions li >> nth=0") == "vision transformer"
    seeds_page.page.press("#search", "Enter")
    assert seeds_page.js("window.paperkg.network.getSelectedNodes()") == ["entity:vision-transformer"]
    assert seeds_page.page.inner_text("#panel h2") == "vision transformer"
    centre = seeds_page.js("window.paperkg.network.getViewPosition()")
    node = seeds_page.js("window.paperkg.network.getPosition('entity:vision-transformer')")
    assert abs(centre["x"] - node["x"]) < 1 and abs(centre["y"] - node["y"]) < 1
    seeds_page.page.fill("#search", "ILSVRC")
    seeds_page.page.click("#suggestions li >> nth=0")
    assert seeds_page.panel_node() == "entity:imagenet"


def test_kind_checkboxes_hide_and_show_nodes(seeds_page, seeds_exports):
    graph = seeds_exports[0].graph
    total = graph.number_of_nodes()
    tasks = sum(1 for _, d in graph.nodes(data=True) if d["kind"] == "task")
    seeds_page.page.click("input.kind-filter[value=task]")
    assert seeds_page.js("window.paperkg.visibleCount()") == total - tasks
    assert seeds_page.js("window.paperkg.nodes.get({filter: n => n.kind === 'task' && !n.hidden}).length") == 0
    assert seeds_page.page.inner_text("#visible") == f"{total - tasks} shown"
    seeds_page.page.click("input.kind-filter[value=task]")
    assert seeds_page.js("window.paperkg.visibleCount()") == total


def test_minimum_papers_slider(seeds_page, seeds_exports):
    graph = seeds_exports[0].graph
    seeds_page.page.focus("#min-papers")
    for _ in range(3):
        seeds_page.page.keyboard.press("ArrowRight")
    assert seeds_page.page.inner_text("#min-papers-value") == "3"
    expected = sum(1 for _, d in graph.nodes(data=True) if d["kind"] == "paper" or d["papers"] >= 3)
    assert seeds_page.js("window.paperkg.visibleCount()") == expected
    assert seeds_page.page.inner_text("#visible") == f"{expected} shown"


def test_clicking_a_paper_shows_its_highlighted_abstract_and_links_move(seeds_page, seeds_exports):
    result, _ = seeds_exports
    paper = next(p for p in result.linked.papers if p.title == "A ConvNet for the 2020s")
    mentions = result.linked.mentions_by_paper[paper.id]
    seeds_page.click_node(f"paper:{paper.id}")
    assert seeds_page.panel_node() == f"paper:{paper.id}"
    assert seeds_page.page.inner_text("#panel h2") == paper.title
    marks = seeds_page.js("[...document.querySelectorAll('#panel mark')].map(m => [m.textContent, m.className])")
    assert marks == [[m.text, result.linked.entities[e].type] for e, m in sorted(mentions, key=lambda x: x[1].start)]
    abstract = seeds_page.js("document.querySelector('#panel .abstract').textContent")
    assert abstract == paper.text
    seeds_page.page.click("#panel a[data-node='entity:convnext']")
    assert seeds_page.panel_node() == "entity:convnext"
    assert seeds_page.page.inner_text("#panel h2") == "ConvNeXt"
    assert seeds_page.js("window.paperkg.network.getSelectedNodes()") == ["entity:convnext"]
    assert paper.title in seeds_page.page.inner_text("#panel")
    seeds_page.page.click(f"#panel a[data-node='paper:{paper.id}']")
    assert seeds_page.panel_node() == f"paper:{paper.id}"


def test_readme_screenshot_of_the_seeds_graph(seeds_page, seeds_exports, tmp_path):
    """The README's screenshot comes from here: `make screenshot` sets PAPERKG_SCREENSHOT."""
    seeds_page.page.fill("#search", "ConvNeXt")
    seeds_page.page.press("#search", "Enter")
    target = Path(os.environ.get("PAPERKG_SCREENSHOT", tmp_path / "seeds.png"))
    seeds_page.page.screenshot(path=str(target))
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


XSS = [
    {"title": "<img src=x onerror=alert(1)> Evil", "abstract": "We present EvilNet, a network for object "
     "detection trained on COCO. </script><script>alert(2)</script> It works <b onmouseover=alert(3)>well</b>."},
    {"title": "Second <script>alert(4)</script>", "abstract": "We study semantic segmentation on "
     "Cityscapes with a ResNet backbone and report strong results on ADE20K."},
]


def test_hostile_titles_are_text_and_run_nothing(browser, tmp_path):
    source = tmp_path / "xss.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in XSS) + "\n", encoding="utf-8")
    result = build([source])
    write_exports(result, tmp_path / "out")
    page = OfflinePage(browser, tmp_path / "out" / "graph.html")
    assert page.js("window.paperkg.network.body.nodeIndices.length") == result.graph.number_of_nodes()
    paper_id = "paper:" + result.linked.papers[0].id
    page.js("id => window.paperkg.focusNode(id)", paper_id)
    assert page.page.inner_text("#panel h2") == XSS[0]["title"]
    assert "</script><script>alert(2)</script>" in page.page.inner_text("#panel .abstract")
    page.page.fill("#search", "<img")
    assert page.page.inner_text("#suggestions li >> nth=0") == XSS[0]["title"]
    page.page.hover("#panel .abstract")
    assert page.js("document.querySelectorAll('img, #panel b, #panel script').length") == 0
    assert page.js("document.querySelectorAll('script').length") == 3  # data, vis-network, explorer: nothing injected
    assert page.dialogs == []
    page.close()


def test_node_budget_keeps_the_most_connected_and_says_so(browser, seeds_exports, tmp_path):
    result, exports = seeds_exports
    target = tmp_path / "small.html"
    outcome = CliRunner().invoke(app, ["html", "--data", str(exports), "--html-max-nodes", "300", "--out", str(target)])
    assert outcome.exit_code == 0, outcome.output
    page = OfflinePage(browser, target)
    assert page.js("window.paperkg.network.body.nodeIndices.length") == 300
    note = page.page.inner_text("#note")
    assert f"300 of {result.graph.number_of_nodes()} nodes" in note and "left out" in note
    assert page.js("window.paperkg.nodes.get('entity:imagenet') !== null")
    page.close()


def test_focused_view_around_one_entity(browser, seeds_exports, tmp_path):
    import kg

    _, exports = seeds_exports
    target = tmp_path / "focus.html"
    outcome = CliRunner().invoke(app, ["html", "--data", str(exports), "--focus", "ImageNet", "--hops", "2",
                                       "--out", str(target)])
    assert outcome.exit_code == 0, outcome.output
    expected = kg.load(exports).neighbourhood("ImageNet", hops=2).number_of_nodes()
    page = OfflinePage(browser, target)
    assert page.js("window.paperkg.network.body.nodeIndices.length") == min(expected, 2000)
    assert "ImageNet" in page.page.title()
    assert page.js("window.paperkg.nodes.get('entity:imagenet').kind") == "dataset"
    page.close()
