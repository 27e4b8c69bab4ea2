// The fragment health dashboard's live updates (admin/registry/dashboard.html): polls the
// tiles' JSON (registry.dashboard.data) every few seconds and updates each tile in place:
// its data attributes (data-verdict colours it), its texts, its chart. The server formats
// every figure; this only places them. A poll that fails greys the board out and says
// since when it is stale, and polling goes on.

const board = document.querySelector(".health");
const tiles = board.querySelector(".health__tiles");
const model = document.getElementById("health-tile");
const status = board.querySelector("[data-status]");
const pollMs = Number(board.dataset.pollMs) || 2000;
const CHART = { width: 300, height: 60 };

function tileFor(name) {
  for (const tile of tiles.querySelectorAll(".tile")) {
    if (tile.dataset.fragment === name) return tile;
  }
  const tile = model.content.firstElementChild.cloneNode(true);
  tile.dataset.fragment = name;
  tile.querySelector('[data-field="name"]').textContent = name;
  return tile;
}

// The SVG path of the area under column `index` of the points, on the window's time axis,
// scaled so that `top` reaches the top of the chart.
function area(points, index, axis, top) {
  if (points.length === 0) return `M0 ${CHART.height}Z`;
  const span = Math.max(axis.end - axis.start, 1e-9);
  const x = (t) => (((t - axis.start) / span) * CHART.width).toFixed(1);
  const y = (v) => (CHART.height - (v / top) * (CHART.height - 2)).toFixed(1);
  const line = points.map((p) => `L${x(p[0])} ${y(p[index])}`).join(" ");
  return `M${x(points[0][0])} ${CHART.height} ${line} L${x(points.at(-1)[0])} ${CHART.height}Z`;
}

function update(tile, fragment, axis) {
  tile.dataset.verdict = fragment.verdict;
  tile.dataset.breaker = fragment.breaker ?? "none";
  tile.dataset.requests = String(fragment.window_requests);
  for (const [field, text] of Object.entries(fragment.text)) {
    const element = tile.querySelector(`[data-field="${field}"]`);
    if (element && element.textContent !== text) element.textContent = text;
  }
  const top = Math.max(1, ...fragment.points.map((p) => p[1]));
  tile.querySelector(".chart__requests").setAttribute("d", area(fragment.points, 1, axis, top));
  tile.querySelector(".chart__errors").setAttribute("d", area(fragment.points, 2, axis, top));
}

function render(data) {
  const names = new Set();
  for (const fragment of data.fragments) {
    const tile = tileFor(fragment.name);
    update(tile, fragment, data.axis);
    tiles.append(tile); // in the server's order (by name); a new tile joins, a moved one moves
    names.add(fragment.name);
  }
  for (const tile of tiles.querySelectorAll(".tile")) {
    if (!names.has(tile.dataset.fragment)) tile.remove(); // the fragment was deleted
  }
  tiles.querySelector(".health__empty")?.remove();
  for (const [verdict, count] of Object.entries(data.counts)) {
    const element = board.querySelector(`[data-count="${verdict}"]`);
    if (element) element.textContent = String(count);
  }
}

let updated = null;

function stale(reason) {
  board.dataset.stale = "";
  const since = updated ? `since ${updated.toLocaleTimeString()}` : "yet";
  status.textContent = `Not updated ${since}: ${reason}`;
}

async function poll() {
  try {
    const response = await fetch(board.dataset.url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
    const json = response.headers.get("Content-Type")?.startsWith("application/json");
    if (response.redirected || !json) {
      stale("signed out; reload the page to log in again.");
    } else if (!response.ok) {
      stale(`the registry answered ${response.status}.`);
    } else {
      const data = await response.json();
      render(data);
      updated = new Date();
      delete board.dataset.stale;
      const shells = `${data.shells} shell${data.shells === 1 ? "" : "s"}`;
      status.textContent = `Live: reported by ${shells}, updated ${updated.toLocaleTimeString()}.`;
    }
  } catch {
    stale("the registry cannot be reached.");
  }
  setTimeout(poll, pollMs); // after the answer: polls never pile up on a slow registry
}

poll();
