// The preview page's script (booklet/editor/page.html): follows the builds over /events,
// shows the pages of the chosen profile from /state.json, and maps a click on a page to the
// YAML it came from (/map/N, /source). A page image is replaced only when its digest
// changes, and only once the new image has loaded: the old one stays until then.
"use strict";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const HEADERS = {"X-Booklet": "preview"};
const PX_PER_PT = 96 / 72;
const store = {
  get: (key, fallback) => localStorage.getItem("booklet-" + key) ?? fallback,
  set: (key, value) => localStorage.setItem("booklet-" + key, value),
};

const ui = {
  profile: store.get("profile", ""),
  zoom: store.get("zoom", "fit"),
  data: null, // the last /state.json
  want: -1, // the newest state version announced
  busy: false,
  structure: "", // profile and view count the DOM was built for
  maps: new Map(), // view digest → its /map JSON
};
const views = new Map(); // view number → {el, frame, img, svg, data, visible, shown, loading}

// What the tests and the benchmark read: when each view's image was last replaced.
window.booklet = {shown: {}, swaps: 0, selected: null, ui, views};

// -- following the builds ------------------------------------------------------------------

async function refresh() {
  if (ui.busy) return;
  ui.busy = true;
  try {
    for (;;) {
      const target = ui.want;
      const query = ui.profile ? "?profile=" + encodeURIComponent(ui.profile) : "";
      const response = await fetch("/state.json" + query, {cache: "no-store", headers: HEADERS});
      if (!response.ok) throw new Error("state " + response.status);
      const data = await response.json();
      apply(data);
      document.body.dataset.version = data.version;
      if (ui.want === target) break;
    }
  } catch (err) {
    setTimeout(refresh, 500);
  } finally {
    ui.busy = false;
  }
}

function connect() {
  const live = $("live");
  const events = new EventSource("/events");
  events.addEventListener("open", () => { live.className = "on"; });
  events.addEventListener("error", () => { live.className = "off"; });
  events.addEventListener("state", (e) => {
    ui.want = JSON.parse(e.data).version;
    refresh();
  });
}

// -- the state --------------------------------------------------------------------------------

function apply(data) {
  ui.data = data;
  const state = $("state");
  state.textContent = data.status;
  state.className = data.failed ? "failed" : "ok";
  Object.assign(state.dataset, {
    attempt: data.attempt, build: data.build, building: String(data.building),
  });
  $("title").textContent = data.title;
  document.title = data.title + " — preview";
  $("pending").textContent = data.pending ? "building the " + data.pending + " profile…" : data.unbuilt;
  fillProfiles(data);
  fillProblems(data);
  placeNavigator();
  if (!data.views.length) {
    if (!data.build) $("views").innerHTML = '<p class="none">No booklet yet: fix the problems above and save.</p>';
    return;
  }
  if (!ui.profile) ui.profile = data.profile;
  layOut(data);
}

function fillProfiles(data) {
  const select = $("profile");
  select.replaceChildren(...data.profiles.map((p) => {
    const option = new Option(p.name + (p.built ? "" : " (builds on demand)"), p.name);
    option.title = p.doc;
    return option;
  }));
  select.value = data.pending || data.profile || ui.profile;
}

function fillProblems(data) {
  const heading = $("heading");
  heading.textContent = data.heading;
  heading.className = data.failed ? "failed" : "";
  $("summary").textContent = data.summary || "";
  const item = (problem) => {
    const li = document.createElement("li");
    li.className = problem.severity + (problem.places.length ? " placed" : "");
    li.dataset.code = problem.code;
    li.textContent = problem.text;
    if (problem.places.length) {
      li.title = "show it on the page";
      li.addEventListener("click", () => highlight(problem.places, true));
    }
    return li;
  };
  $("problems").replaceChildren(...data.problems.map(item));
  $("typography").replaceChildren(...data.typography.map(item));
  $("typography-heading").textContent = data.typography_done
    ? `typography report: ${data.typography.length} finding${data.typography.length === 1 ? "" : "s"} (R1–R12)`
    : "typography report: measuring…";
}

// -- the views --------------------------------------------------------------------------------

function scale(data) {
  const first = data.views[0].size;
  if (ui.zoom === "fit") { // a spread (or a sheet) in the window
    const across = data.sheets ? first[0] : 2 * first[0];
    const room = $("views").getBoundingClientRect().width - 64;
    const high = Math.max(160, window.innerHeight - 140) / first[1];
    return Math.min(high, room / across) / PX_PER_PT;
  }
  if (ui.zoom === "small") return 240 / first[1] / PX_PER_PT;
  return Number(ui.zoom) || 1;
}

function groups(data) {
  const numbers = data.views.map((v) => v.n);
  if (data.sheets) { // each sheet: its front and its back
    const out = [];
    for (let i = 0; i < numbers.length; i += 2) out.push(numbers.slice(i, i + 2));
    return out;
  }
  const out = [[null, numbers[0]]]; // page 1 alone on the right, then 2|3, 4|5 …
  for (let i = 1; i < numbers.length; i += 2) out.push([numbers[i], numbers[i + 1] ?? null]);
  return out;
}

function layOut(data) {
  const structure = data.profile + "/" + data.views.length;
  const byNumber = new Map(data.views.map((v) => [v.n, v]));
  if (structure !== ui.structure) {
    if (!ui.structure.startsWith(data.profile + "/")) { // another profile: start afresh
      for (const view of views.values()) view.el.remove();
      views.clear();
    }
    for (const [n, view] of views) if (!byNumber.has(n)) { view.el.remove(); views.delete(n); }
    const spreads = groups(data).map((group) => {
      const figure = document.createElement("figure");
      figure.className = "spread " + (data.sheets ? "sheets" : "pages");
      figure.dataset.views = group.filter((n) => n).join("–");
      group.forEach((n, side) => {
        if (n === null) {
          const other = byNumber.get(group[1 - side]);
          figure.append(blank(other));
        } else {
          figure.append(viewFor(n, side === 0 && !data.sheets ? "left" : "right").el);
        }
      });
      return figure;
    });
    $("views").replaceChildren(...spreads);
    ui.structure = structure;
  }
  const factor = scale(data);
  for (const viewData of data.views) update(views.get(viewData.n), viewData, factor);
  fillNavigator(data);
  for (const view of views.values()) if (view.visible) ensureImage(view);
}

function blank(other) {
  const el = document.createElement("div");
  el.className = "view empty";
  const frame = document.createElement("div");
  frame.className = "frame blank";
  el.append(frame, Object.assign(document.createElement("span"), {className: "number"}));
  el.dataset.blankFor = other ? other.n : "";
  return el;
}

function viewFor(n, side) {
  let view = views.get(n);
  if (!view) {
    const el = document.createElement("div");
    const frame = document.createElement("div");
    frame.className = "frame";
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "overlay");
    svg.setAttribute("preserveAspectRatio", "none");
    const mark = Object.assign(document.createElement("span"), {className: "mark"});
    const number = Object.assign(document.createElement("span"), {className: "number"});
    frame.append(svg);
    el.append(mark, frame, number);
    view = {el, frame, svg, mark, number, img: null, data: null, visible: false, shown: "", loading: ""};
    frame.addEventListener("click", (e) => pick(view, e));
    observer.observe(el);
    views.set(n, view);
  }
  view.el.className = "view " + side;
  view.el.dataset.view = n;
  return view;
}

function update(view, data, factor) {
  const before = view.data;
  view.data = data;
  const width = data.size[0] * PX_PER_PT * factor;
  const height = data.size[1] * PX_PER_PT * factor;
  Object.assign(view.frame.style, {width: width + "px", height: height + "px"});
  view.number.textContent = data.label;
  view.el.title = data.label;
  view.svg.setAttribute("viewBox", `0 0 ${data.size[0]} ${data.size[1]}`);
  drawOverlay(view);
  if (!before || before.digest !== data.digest) {
    view.pendingChange = before ? data.change : "";
    view.pendingBuild = ui.data.build;
  } else if (view.markBuild !== ui.data.build && view.shown) {
    setMark(view, ""); // unchanged by a newer build: its mark was the build before's
    view.markBuild = ui.data.build;
  }
  for (const blankEl of document.querySelectorAll(`.view.empty[data-blank-for="${data.n}"] .frame`)) {
    Object.assign(blankEl.style, {width: width + "px", height: height + "px"});
  }
}

function setMark(view, change) {
  view.el.classList.remove("changed", "reflowed");
  if (change === "new") change = "changed";
  if (change) view.el.classList.add(change);
  view.mark.textContent = change;
}

function imageUrl(view) {
  const rect = view.frame.getBoundingClientRect();
  const pixels = Math.max(16, Math.ceil((rect.width * (window.devicePixelRatio || 1)) / 16) * 16);
  return `/page/${encodeURIComponent(ui.data.profile)}/${view.data.n}.png?d=${view.data.digest}&w=${pixels}`;
}

function ensureImage(view) {
  if (!view.data || !ui.data) return;
  const url = imageUrl(view);
  if (view.shown === url || view.loading === url) return;
  view.loading = url;
  const img = new Image();
  img.className = "page";
  img.alt = view.data.label;
  img.dataset.view = view.data.n;
  img.dataset.digest = view.data.digest;
  img.src = url;
  img.decode().then(() => {
    if (view.loading !== url) return; // a newer build or size asked for another
    if (view.img) view.img.replaceWith(img); else view.frame.prepend(img);
    view.img = img;
    view.shown = url;
    view.loading = "";
    if (window.booklet.shown[view.data.n]?.digest !== view.data.digest) {
      setMark(view, view.pendingChange || ""); // a new page: marked as the build says
      view.markBuild = view.pendingBuild;
    }
    const entry = {digest: view.data.digest, at: Date.now(), src: url, painted: 0};
    window.booklet.shown[view.data.n] = entry;
    window.booklet.swaps += 1;
    // On screen once the frame after the swap is painted (the benchmark's "visible").
    requestAnimationFrame(() => requestAnimationFrame(() => { entry.painted = Date.now(); }));
  }).catch(() => {
    if (view.loading === url) view.loading = "";
  });
}

const observer = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    const view = views.get(Number(entry.target.dataset.view));
    if (!view) continue;
    view.visible = entry.isIntersecting;
    if (view.visible) ensureImage(view);
  }
}, {rootMargin: "800px 0px"});

// -- overlays ----------------------------------------------------------------------------------

function svgNode(name, attributes) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
}

function rectNode(r, cls) {
  return svgNode("rect", {x: r[0], y: r[1], width: r[2] - r[0], height: r[3] - r[1], class: cls});
}

function drawOverlay(view) {
  const data = view.data;
  const g = (cls) => svgNode("g", {class: cls});
  const trim = g("trim"), bleed = g("bleed"), area = g("area"), margins = g("margins");
  const grid = g("grid"), findings = g("findings");
  bleed.append(rectNode(data.bleed, "bleed"));
  for (const slot of data.slots) {
    const page = [slot.x, slot.y, slot.x + slot.size[0], slot.y + slot.size[1]];
    trim.append(rectNode(page, "trim"));
    if (!slot.area) continue;
    const a = [slot.area[0] + slot.x, slot.area[1] + slot.y, slot.area[2] + slot.x, slot.area[3] + slot.y];
    area.append(rectNode(a, "area"));
    const path = (r) => `M${r[0]} ${r[1]}H${r[2]}V${r[3]}H${r[0]}Z`;
    margins.append(svgNode("path", {d: path(page) + path(a), class: "margins"}));
    if (slot.pitch) {
      for (let y = a[1] + slot.pitch; y < a[3] - 0.01; y += slot.pitch) {
        grid.append(svgNode("line", {x1: a[0], x2: a[2], y1: y, y2: y, class: "grid"}));
      }
    }
  }
  for (const problem of [...ui.data.problems, ...ui.data.typography]) {
    for (const [n, r] of problem.places) {
      if (n !== data.n) continue;
      const node = rectNode(r, "finding " + problem.severity);
      node.append(svgNode("title", {}));
      node.lastChild.textContent = problem.text;
      findings.append(node);
    }
  }
  const hits = view.svg.querySelector("g.hits") || g("hits");
  view.svg.replaceChildren(margins, grid, area, bleed, trim, findings, hits);
}

function highlight(places, scroll) {
  for (const view of views.values()) view.svg.querySelector("g.hits")?.replaceChildren();
  for (const [n, r] of places) {
    const view = views.get(n);
    if (view) view.svg.querySelector("g.hits").append(rectNode(r, "hit"));
  }
  if (scroll && places.length) {
    views.get(places[0][0])?.el.scrollIntoView({block: "center", behavior: "instant"});
  }
}

// -- from a page to its source -------------------------------------------------------------------

async function mapOf(view) {
  const digest = view.data.digest;
  if (!ui.maps.has(digest)) {
    const query = "?profile=" + encodeURIComponent(ui.data.profile);
    const response = await fetch(`/map/${view.data.n}${query}`, {cache: "no-store"});
    if (!response.ok) throw new Error("map " + response.status);
    ui.maps.set(digest, await response.json());
  }
  return ui.maps.get(digest);
}

function hit(map, x, y) {
  const inside = map.boxes.filter((b) => b.rect[0] <= x && x <= b.rect[2] && b.rect[1] <= y && y <= b.rect[3]);
  const area = (b) => (b.rect[2] - b.rect[0]) * (b.rect[3] - b.rect[1]);
  const rank = (b) => [b.file ? 0 : 1, b.kind === "line" ? 0 : 1, area(b)];
  inside.sort((a, b) => {
    const [p, q] = [rank(a), rank(b)];
    return p[0] - q[0] || p[1] - q[1] || p[2] - q[2];
  });
  return inside[0] || null;
}

async function pick(view, event) {
  const rect = view.frame.getBoundingClientRect();
  const x = ((event.clientX - rect.left) / rect.width) * view.data.size[0];
  const y = ((event.clientY - rect.top) / rect.height) * view.data.size[1];
  const map = await mapOf(view);
  const box = hit(map, x, y);
  window.booklet.selected = box && {...box, view: view.data.n};
  highlight(box ? [[view.data.n, box.rect]] : [], false);
  showSource(box, view);
}

async function showSource(box, view) {
  const panel = $("source");
  panel.hidden = false;
  panel.replaceChildren();
  const close = Object.assign(document.createElement("button"), {textContent: "close"});
  close.addEventListener("click", () => { panel.hidden = true; highlight([], false); });
  if (!box || !box.file) {
    panel.append(Object.assign(document.createElement("h2"), {textContent: view.data.label}),
      Object.assign(document.createElement("p"), {
        textContent: box ? "No source place: this is made from book.yaml or by the templates." : "Nothing here.",
      }), close);
    return;
  }
  const title = Object.assign(document.createElement("h2"), {textContent: `${box.file}:${box.line}:${box.col}`});
  title.id = "source-place";
  const about = Object.assign(document.createElement("p"), {
    className: "text",
    textContent: `${box.kind === "line" ? "a line" : box.kind} on page ${box.page}: ${box.text.slice(0, 120)}`,
  });
  panel.append(title, about);
  const response = await fetch(`/source?file=${encodeURIComponent(box.file)}&line=${box.line}&col=${box.col}`);
  if (response.ok) {
    const excerpt = await response.json();
    title.textContent = `${excerpt.path}:${box.line}:${box.col}`;
    const pre = document.createElement("pre");
    pre.id = "source-text";
    for (const [number, text] of excerpt.lines) {
      const line = Object.assign(document.createElement("span"), {textContent: `${String(number).padStart(4)}  ${text}\n`});
      if (number === box.line) line.className = "here";
      pre.append(line);
    }
    panel.append(pre);
  }
  if (ui.data.editor) {
    const open = Object.assign(document.createElement("button"), {textContent: "open in editor", id: "open-editor"});
    open.addEventListener("click", async () => {
      const reply = await fetch("/open", {
        method: "POST",
        headers: {...HEADERS, "Content-Type": "application/json"},
        body: JSON.stringify({file: box.file, line: box.line, col: box.col}),
      });
      const answer = await reply.json().catch(() => ({ok: false, error: String(reply.status)}));
      open.textContent = answer.ok ? "opened" : "could not open: " + answer.error;
    });
    panel.append(open);
  }
  panel.append(close);
}

// -- the navigator, zoom, toggles and profile -------------------------------------------------------

function fillNavigator(data) {
  const buttons = data.views.map((v) => {
    const button = Object.assign(document.createElement("button"), {
      textContent: data.sheets ? v.label.split(":")[0].replace("sheet ", "") : v.label,
      title: v.label,
    });
    button.dataset.view = v.n;
    if (v.change) button.className = v.change === "new" ? "changed" : v.change;
    button.addEventListener("click", () => views.get(v.n)?.el.scrollIntoView({block: "center", behavior: "instant"}));
    return button;
  });
  $("navigator").replaceChildren(...buttons);
}

function placeNavigator() { // under the header, however many lines it wraps to
  const high = document.querySelector("header").getBoundingClientRect().height;
  document.documentElement.style.setProperty("--header-h", high + "px");
}

function resized() {
  placeNavigator();
  if (!ui.data || !ui.data.views.length) return;
  const factor = scale(ui.data);
  for (const viewData of ui.data.views) update(views.get(viewData.n), viewData, factor);
  for (const view of views.values()) if (view.visible) ensureImage(view);
}

const zoom = $("zoom");
zoom.value = ui.zoom;
zoom.addEventListener("change", () => { ui.zoom = zoom.value; store.set("zoom", ui.zoom); resized(); });
let resizing = 0;
window.addEventListener("resize", () => { clearTimeout(resizing); resizing = setTimeout(resized, 150); });
document.addEventListener("keydown", (e) => {
  if (e.target.closest("select, input")) return;
  const order = [...zoom.options].map((o) => o.value);
  const at = order.indexOf(zoom.value);
  if (e.key === "+" || e.key === "=") zoom.value = order[Math.min(order.length - 1, at + 1)];
  else if (e.key === "-") zoom.value = order[Math.max(0, at - 1)];
  else if (e.key === "Escape") { $("source").hidden = true; highlight([], false); return; }
  else return;
  zoom.dispatchEvent(new Event("change"));
});

for (const box of document.querySelectorAll("#toggles input")) {
  const name = box.dataset.show;
  box.checked = store.get("show-" + name, box.checked ? "1" : "0") === "1";
  document.body.classList.toggle("show-" + name, box.checked);
  box.addEventListener("change", () => {
    document.body.classList.toggle("show-" + name, box.checked);
    store.set("show-" + name, box.checked ? "1" : "0");
  });
}

$("profile").addEventListener("change", (e) => {
  ui.profile = e.target.value;
  store.set("profile", ui.profile);
  ui.want += 1; // ask now, whatever the events say
  refresh();
});

placeNavigator();
connect();
