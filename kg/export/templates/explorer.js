// paperkg explorer: search, kind filters, a minimum-papers filter and a side panel, over vis-network.
// Every string from the input is put into the page with textContent, never as HTML.
(function () {
  const data = JSON.parse(document.getElementById("graph-data").textContent);
  // the header wraps on narrow windows: the graph and the panel start below it
  const placeBelowHeader = () => {
    const top = document.querySelector("header").offsetHeight + "px";
    document.getElementById("graph").style.top = top;
    document.getElementById("panel").style.top = top;
  };
  placeBelowHeader();
  window.addEventListener("resize", placeBelowHeader);
  const details = data.details;
  const nodes = new vis.DataSet(data.nodes);
  const edges = new vis.DataSet(data.edges);
  const network = new vis.Network(document.getElementById("graph"), {nodes, edges}, data.options);
  const state = {hiddenKinds: new Set(), minPapers: 0};
  const api = {network, nodes, edges, state, ready: false};
  window.paperkg = api;
  network.once("afterDrawing", () => { api.ready = true; });

  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
  const nameOf = (id) => (details[id] && details[id].name) || data.names[id] || id;
  const inView = (id) => nodes.get(id) !== null;

  // ---- filters
  function visibleCount() { return nodes.get({filter: (n) => !n.hidden}).length; }
  function applyFilters() {
    const updates = [];
    for (const n of data.nodes) {
      const hide = state.hiddenKinds.has(n.kind) || (n.kind !== "paper" && n.papers < state.minPapers);
      if (hide !== Boolean(nodes.get(n.id).hidden)) updates.push({id: n.id, hidden: hide});
    }
    nodes.update(updates);
    document.getElementById("visible").textContent = visibleCount() + " shown";
  }
  api.applyFilters = applyFilters;
  api.visibleCount = visibleCount;
  document.querySelectorAll("input.kind-filter").forEach((box) => box.addEventListener("change", () => {
    if (box.checked) state.hiddenKinds.delete(box.value); else state.hiddenKinds.add(box.value);
    applyFilters();
  }));
  const slider = document.getElementById("min-papers");
  slider.addEventListener("input", () => {
    state.minPapers = Number(slider.value);
    document.getElementById("min-papers-value").textContent = slider.value;
    applyFilters();
  });

  // ---- search by label or alias
  const index = data.nodes.map((n) => [n.id, [nameOf(n.id), ...(details[n.id].aliases || [])].map((s) => s.toLowerCase())]);
  const search = document.getElementById("search");
  const suggestions = document.getElementById("suggestions");
  function matches(query) {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const exact = [], prefix = [], inside = [];
    for (const [id, names] of index) {
      if (names.some((s) => s === q)) exact.push(id);
      else if (names.some((s) => s.startsWith(q))) prefix.push(id);
      else if (names.some((s) => s.includes(q))) inside.push(id);
    }
    const byPapers = (a, b) => (details[b].papers || 0) - (details[a].papers || 0) || nameOf(a).localeCompare(nameOf(b));
    return [...exact.sort(byPapers), ...prefix.sort(byPapers), ...inside.sort(byPapers)].slice(0, 12);
  }
  api.matches = matches;
  search.addEventListener("input", () => {
    suggestions.replaceChildren(...matches(search.value).map((id, i) => {
      const item = el("li");
      const swatch = el("span", undefined, "swatch " + data.kinds[details[id].kind].shape);
      swatch.style.background = data.kinds[details[id].kind].color;
      item.append(swatch, el("span", nameOf(id)));
      if (i === 0) item.classList.add("active");
      item.addEventListener("mousedown", (event) => { event.preventDefault(); focusNode(id); });
      return item;
    }));
  });
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { const found = matches(search.value); if (found.length) focusNode(found[0]); }
    if (event.key === "Escape") { suggestions.replaceChildren(); search.blur(); }
  });
  search.addEventListener("blur", () => setTimeout(() => suggestions.replaceChildren(), 150));

  // ---- moving to a node
  function focusNode(id) {
    suggestions.replaceChildren();
    if (inView(id)) {
      if (nodes.get(id).hidden) nodes.update({id, hidden: false});
      network.selectNodes([id]);
      network.focus(id, {scale: Math.max(network.getScale(), 0.8), animation: false});
    }
    showPanel(id);
  }
  api.focusNode = focusNode;

  // ---- side panel
  const panel = document.getElementById("panel");
  function linkTo(id) {
    if (!details[id]) return el("span", nameOf(id));
    const a = el("a", nameOf(id));
    a.dataset.node = id;
    a.addEventListener("click", () => focusNode(id));
    return a;
  }
  function section(title, items) {
    if (!items.length) return [];
    const list = el("ul");
    for (const item of items) { const li = el("li"); li.append(...item); list.append(li); }
    return [el("h3", title), list];
  }
  function highlighted(text, mentions) {
    const box = el("div", undefined, "abstract");
    let at = 0;
    for (const [start, end, kind, id] of mentions) {
      if (start < at) continue;
      box.append(document.createTextNode(text.slice(at, start)));
      const mark = el("mark", text.slice(start, end), kind);
      mark.title = kind + ": " + nameOf(id);
      mark.dataset.node = id;
      mark.addEventListener("click", () => focusNode(id));
      box.append(mark);
      at = end;
    }
    box.append(document.createTextNode(text.slice(at)));
    return box;
  }
  const RELATIONS = ["proposes", "evaluates_on", "addresses", "uses"];
  function showPanel(id) {
    const d = details[id];
    if (!d) return;
    const kind = data.kinds[d.kind];
    const badge = el("span", d.kind, "kind");
    badge.style.background = kind.color;
    const close = el("button", "×", "close");
    close.title = "Close";
    close.addEventListener("click", hidePanel);
    const parts = [close, badge, el("h2", d.name)];
    if (d.kind === "paper") {
      if (d.url) { const a = el("a", d.url); a.href = d.url; a.target = "_blank"; a.rel = "noopener"; parts.push(a); }
      parts.push(el("h3", "Abstract"), highlighted(d.text, d.mentions));
      for (const relation of RELATIONS) {
        parts.push(...section(relation.replace("_", " "), d.links.filter((l) => l[1] === relation).map((l) => [linkTo(l[0])])));
      }
    } else {
      if (d.aliases.length) parts.push(el("h3", "Also called"), el("div", d.aliases.join(", ")));
      parts.push(el("h3", "Papers"), el("div", d.papers + (d.papers === 1 ? " paper" : " papers")));
      for (const relation of RELATIONS) {
        parts.push(...section("papers that " + relation.replace("_", " "), d.links.filter((l) => l[1] === relation).map((l) => [linkTo(l[0])])));
      }
      parts.push(...section("Appears most with", d.cooccurring.map(([other, count]) => [linkTo(other), document.createTextNode(" (" + count + ")")])));
    }
    panel.replaceChildren(...parts);
    panel.hidden = false;
    panel.dataset.node = id;
  }
  function hidePanel() { panel.hidden = true; delete panel.dataset.node; network.unselectAll(); }
  api.showPanel = showPanel;
  network.on("click", (params) => { if (params.nodes.length) showPanel(params.nodes[0]); else hidePanel(); });
})();
