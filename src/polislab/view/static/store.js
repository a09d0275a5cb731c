// polislab view --store: the stored runs (DuckDB over the store's Parquet files), filtered, and
// any registered figure drawn from them.
"use strict";
const $ = (id) => document.getElementById(id);
const browser = { runs: null, figures: [], drawn: null };
window.polislabStore = browser; // for the browser tests

function showError(text) { $("error").hidden = !text; $("error").textContent = text || ""; }

async function loadRuns() {
  const query = new URLSearchParams({ model: $("model").value, filter: $("filter").value });
  const response = await fetch("/api/runs?" + query);
  const table = await response.json();
  if (!response.ok) { showError(table.error); return; }
  showError("");
  browser.runs = table;
  const known = new Set([...$("model").options].map((option) => option.value));
  for (const name of table.models) if (!known.has(name)) $("model").append(new Option(name, name));
  $("summary").textContent = table.total.toLocaleString() + " runs" +
    (table.shown < table.total ? ", the first " + table.shown + " shown" : "") +
    (table.reading ? " (reading the store: " + table.read.toLocaleString() + " of " + table.listed.toLocaleString() + " runs)" : "");
  if (table.reading) setTimeout(loadRuns, 1000); // more runs come as they are read
  const head = document.createElement("tr");
  for (const column of table.columns) { const th = document.createElement("th"); th.textContent = column; head.append(th); }
  $("runs").tHead.replaceChildren(head);
  const rows = table.rows.map((row) => {
    const tr = document.createElement("tr");
    for (const value of row) {
      const td = document.createElement("td");
      td.textContent = value === null ? "" : typeof value === "number" && !Number.isInteger(value) ? value.toPrecision(4) : String(value);
      tr.append(td);
    }
    return tr;
  });
  $("runs").tBodies[0].replaceChildren(...rows);
}

async function loadFigures() {
  const response = await fetch("/api/figures");
  const figures = await response.json();
  if (!response.ok) { showError(figures.error); return; }
  browser.figures = figures;
  $("figures").replaceChildren(...figures.map((entry) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = entry.name + ": " + entry.description + (entry.size === "smoke" ? " (smoke-size runs)" : "");
    button.onclick = () => drawFigure(entry);
    item.append(button);
    return item;
  }));
  if (!figures.length) $("figures").textContent = "none: no study of the catalog has runs here";
}

function drawFigure(entry) {
  $("figure-box").hidden = false;
  $("figure-caption").textContent = "drawing " + entry.name + " ...";
  const image = $("figure");
  image.onload = () => { browser.drawn = entry.name; $("figure-caption").textContent = entry.name + ": " + entry.see; };
  image.onerror = async () => {
    const response = await fetch(image.src);
    showError((await response.json()).error || "the figure could not be drawn");
    $("figure-caption").textContent = "";
  };
  image.alt = entry.description;
  image.src = "/figure/" + encodeURIComponent(entry.name) + ".png";
}

$("filters").onsubmit = (event) => { event.preventDefault(); loadRuns(); };
$("model").onchange = loadRuns;
fetch("/api/model").then((response) => response.json()).then((model) => { $("view-link").hidden = !model.name; });
loadRuns().then(loadFigures).catch((error) => showError("the store could not be read: " + error));
