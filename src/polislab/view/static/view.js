// polislab view: the page of a watched run. It asks the server for a frame, draws it, and only
// then asks for the next one, so a slow browser gets fewer frames and never slows the kernel.
"use strict";
const $ = (id) => document.getElementById(id);
const SPEEDS = [10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 0]; // units per second at most; 0: no limit
const LINK_MS = 500;       // links are asked for at most this often (they cost more than colours)
const PAUSED_MS = 250;     // frame interval while nothing runs
const MAX_POINTS = 4000;   // points per chart before every other one is dropped
const STRIP_ROWS = 240;    // rows of a strip image (one per frame, the newest at the bottom)
const LINKS_SHOWN = 5000;  // links drawn by default up to this many (drawing them costs the most)
const LAYOUT_FOLLOWS = 5000; // up to this many nodes the force layout runs from the start

const view = {
  model: null, socket: null, generation: -1, header: null, frames: 0, drawnTimes: [],
  graph: null, graphKey: "", lastLinks: 0, needLinks: true, linksVersion: -1,
  x: [], series: {}, charts: {}, images: {}, params: {},
};
window.polislabView = view; // for the browser tests and the curious

async function main() {
  const model = await (await fetch("/api/model")).json();
  view.model = model;
  $("model-name").textContent = model.name;
  $("model-summary").textContent = model.summary;
  document.title = "polislab view: " + model.name;
  $("store-link").hidden = !model.store;
  for (const name of Object.keys(model.presets)) $("preset").append(new Option(name, name));
  $("preset").value = model.preset || "";
  $("seed").value = model.seed;
  buildParameters(model.parameters);
  bindControls();
  bindGraphOptions();
  connect();
}

// ---------------------------------------------------------------- parameters as controls
function asText(value) {
  if (value === null || value === undefined) return "none";
  if (Array.isArray(value)) return value.map(asText).join(",");
  if (typeof value === "object") return Object.entries(value).map(([k, v]) => k + ":" + v).join(",");
  return String(value);
}

function numeric(type) { return /^(int|float)( \| None)?$/.test(type); }

function buildParameters(fields) {
  const box = $("parameters");
  box.textContent = "";
  for (const field of fields) box.append(control(field));
}

function control(field) {
  const label = document.createElement("label");
  label.className = "row param";
  label.title = field.description;
  const name = document.createElement("span");
  name.textContent = field.name;
  label.append(name);
  let input;
  if (field.choices) {
    input = document.createElement("select");
    for (const choice of field.choices) input.append(new Option(String(choice), asText(choice)));
  } else if (field.type === "bool") {
    input = document.createElement("input");
    input.type = "checkbox";
  } else if (numeric(field.type)) {
    input = numberControl(field);
  } else {
    input = document.createElement("input");
    input.type = "text";
  }
  input.dataset.name = field.name;
  input.classList.add("value");
  input.setAttribute("aria-label", field.name);
  label.append(input.wrapper || input);
  setControl(input, field.value);
  const changed = () => markChanged(input);
  input.addEventListener("change", changed);
  input.addEventListener("input", changed);
  return label;
}

// A number box, with a slider beside it when the parameter has both bounds (log scale when the
// range spans more than three decades from a positive floor).
function numberControl(field) {
  const box = document.createElement("input");
  box.type = "text";
  box.inputMode = "decimal";
  const b = field.bounds;
  const low = b.ge ?? b.gt, high = b.le ?? b.lt;
  if (low === undefined || high === undefined) return box;
  const wrap = document.createElement("span");
  wrap.className = "slider";
  const slider = document.createElement("input");
  slider.type = "range";
  const log = low >= 0 && high / Math.max(low, 1) > 1000;
  const integer = field.type.startsWith("int");
  const toSlider = (v) => log ? Math.log10(Math.max(v, 1)) : v;
  const fromSlider = (t) => { const v = log ? Math.pow(10, t) : t; return integer ? Math.round(v) : +v.toPrecision(4); };
  slider.min = toSlider(Math.max(low, log ? 1 : low));
  slider.max = toSlider(high);
  slider.step = log ? 0.01 : (integer ? 1 : (high - low) / 200);
  slider.tabIndex = -1;
  slider.setAttribute("aria-label", field.name + " slider");
  slider.addEventListener("input", () => { box.value = String(fromSlider(+slider.value)); markChanged(box); });
  box.addEventListener("change", () => { const v = parseFloat(box.value); if (isFinite(v)) slider.value = toSlider(v); });
  box.syncSlider = () => { const v = parseFloat(box.value); if (isFinite(v)) slider.value = toSlider(v); };
  wrap.append(slider, box);
  box.wrapper = wrap; // the row shows the wrapper; the box carries the value
  return box;
}

function setControl(input, value) {
  if (input.type === "checkbox") input.checked = !!value;
  else input.value = asText(value);
  if (input.syncSlider) input.syncSlider();
  view.params[input.dataset.name] = controlText(input);
  input.closest(".row").classList.remove("changed");
}

function controlText(input) { return input.type === "checkbox" ? String(input.checked) : input.value.trim(); }

function markChanged(input) {
  const changed = controlText(input) !== view.params[input.dataset.name];
  input.closest(".row").classList.toggle("changed", changed);
  const pending = document.querySelectorAll("#parameters .row.changed").length > 0 || seedChanged();
  $("pending").hidden = !pending;
  $("reset").classList.toggle("pending", pending);
}

function seedChanged() { return view.header && String(view.header.seed) !== $("seed").value.trim(); }

function changedTexts() {
  const texts = {};
  for (const input of document.querySelectorAll("#parameters .value")) {
    if (controlText(input) !== view.params[input.dataset.name]) texts[input.dataset.name] = controlText(input);
  }
  return texts;
}

// ---------------------------------------------------------------- commands
function send(message) {
  if (view.socket && view.socket.readyState === WebSocket.OPEN) view.socket.send(JSON.stringify(message));
}

function bindControls() {
  $("play").onclick = () => send({ action: "play" });
  $("pause").onclick = () => send({ action: "pause" });
  $("step").onclick = () => send({ action: "step" });
  $("reset").onclick = () => send({ action: "reset", set: changedTexts(), seed: $("seed").value.trim() });
  $("preset").onchange = () => send({ action: "reset", preset: $("preset").value, set: {}, seed: $("seed").value.trim() });
  $("seed").oninput = () => markChanged($("seed"));
  $("speed").oninput = () => {
    const speed = SPEEDS[+$("speed").value];
    $("speed-text").textContent = speed ? "at most " + speed.toLocaleString() + " per second" : "as fast as it goes";
    send({ action: "speed", value: speed });
  };
  document.addEventListener("keydown", (event) => {
    if (event.code === "Space" && !["INPUT", "SELECT", "TEXTAREA", "BUTTON"].includes(event.target.tagName)) {
      event.preventDefault();
      send({ action: view.header && view.header.playing ? "pause" : "play" });
    }
  });
}

function showError(text) {
  $("error").hidden = !text;
  $("error").textContent = text || "";
}

function connect() {
  const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
  socket.binaryType = "arraybuffer";
  view.socket = socket;
  socket.onopen = () => { view.needLinks = true; requestFrame(); };
  socket.onmessage = (event) => {
    if (typeof event.data === "string") {
      const reply = JSON.parse(event.data);
      if (reply.type === "wait") setTimeout(requestFrame, PAUSED_MS); // no frame yet: ask again
      else showError(reply.error);
      return;
    }
    const frame = decodeFrame(event.data);
    draw(frame);
    setTimeout(requestFrame, frame.header.playing && !frame.header.finished ? 0 : PAUSED_MS);
  };
  socket.onclose = () => showError("the connection to polislab view closed: is the server still running?");
}

function requestFrame() {
  const now = performance.now();
  const links = view.needLinks || now - view.lastLinks > LINK_MS;
  if (links) { view.lastLinks = now; view.needLinks = false; }
  send({ action: "frame", links: links ? view.linksVersion : null }); // links come only when changed
}

// ---------------------------------------------------------------- drawing a frame
function draw(frame) {
  const h = frame.header;
  if (h.generation !== view.generation) newRun(h);
  view.header = h;
  if (h.error) showError(h.error);
  $("play").classList.toggle("on", h.playing);
  const finished = h.finished ? " (finished)" : "";
  $("counter").textContent = h.done.toLocaleString() + " / " + h.total.toLocaleString() + " " + h.units + finished;
  $("rate").textContent = h.rate ? "kernel " + formatRate(h.rate) + " " + h.units + "/s" : "";
  countFrame();
  addPoint(h.done, h.values);
  const picture = h.picture;
  $("picture").className = picture.kind;
  $("note").textContent = picture.note || "";
  if (picture.kind === "graph") drawGraph(frame);
  else if (picture.kind === "images") drawImages(frame);
  drawLegend(picture.legend);
  view.frames += 1;
}

function formatRate(rate) {
  return rate >= 1e6 ? (rate / 1e6).toFixed(1) + " M" : rate >= 1e3 ? (rate / 1e3).toFixed(1) + " k" : rate.toFixed(0);
}

function countFrame() {
  const now = performance.now();
  view.drawnTimes.push(now);
  while (view.drawnTimes[0] < now - 1000) view.drawnTimes.shift();
  $("fps").textContent = view.drawnTimes.length + " frames/s";
}

function newRun(h) {
  view.generation = h.generation;
  view.needLinks = true;
  view.linksVersion = -1;
  view.graphKey = "";
  view.x = [];
  view.series = {};
  for (const chart of Object.values(view.charts)) chart.destroy();
  view.charts = {};
  $("charts").textContent = "";
  view.images = {};
  $("picture").querySelectorAll(".image").forEach((node) => node.remove());
  for (const input of document.querySelectorAll("#parameters .value")) setControl(input, h.params[input.dataset.name]);
  $("seed").value = h.seed;
  $("preset").value = h.preset || "";
  $("pending").hidden = true;
  $("reset").classList.remove("pending");
}

// ---------------------------------------------------------------- charts
function addPoint(x, values) {
  const names = Object.keys(values);
  if (!names.length) return;
  if (view.x.length && x === view.x[view.x.length - 1]) {
    for (const name of names) if (view.series[name]) view.series[name][view.x.length - 1] = values[name];
  } else {
    view.x.push(x);
    for (const name of names) (view.series[name] ||= new Array(view.x.length - 1).fill(null)).push(values[name]);
  }
  if (view.x.length > MAX_POINTS) {
    view.x = view.x.filter((_, i) => i % 2 === 0);
    for (const name of names) view.series[name] = view.series[name].filter((_, i) => i % 2 === 0);
  }
  for (const name of names) {
    if (!view.charts[name]) view.charts[name] = makeChart(name);
    view.charts[name].setData([view.x, view.series[name]]);
  }
}

function makeChart(name) {
  const box = document.createElement("div");
  box.className = "chart";
  box.dataset.series = name;
  $("charts").append(box);
  const width = Math.max(300, Math.min(box.clientWidth || 320, 600));
  return new uPlot({
    width, height: 170, title: name.replaceAll("_", " "), legend: { show: false },
    scales: { x: { time: false } },
    axes: [{ label: view.header ? view.header.units : "" }, { size: 55 }],
    series: [{}, { stroke: "#1f77b4", width: 1.5, points: { show: false } }],
  }, [[], []], box);
}

// ---------------------------------------------------------------- the graph (cosmos.gl, WebGL)
function rgb(hex) {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16 & 255) / 255, (v >> 8 & 255) / 255, (v & 255) / 255];
}

function drawGraph(frame) {
  const { colors, links, positions } = frame.arrays;
  const n = colors.data.length;
  const key = view.generation + ":" + n + ":" + (positions ? "fixed" : "force");
  if (links) {
    if (key !== view.graphKey) newGraph(n, positions, key, links.data.length / 2);
    view.graph.setLinks(Float32Array.from(links.data));
    view.linksVersion = frame.header.picture.links_version;
  }
  if (key !== view.graphKey) return; // the links of this run have not come yet
  const palette = frame.header.picture.legend.map(([, colour]) => rgb(colour));
  const rgba = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    const c = palette[colors.data[i]] || [0.5, 0.5, 0.5];
    rgba[4 * i] = c[0]; rgba[4 * i + 1] = c[1]; rgba[4 * i + 2] = c[2]; rgba[4 * i + 3] = 1;
  }
  view.graph.setPointColors(rgba);
  view.graph.render(undefined, 0);
  if (!$("layout").checked && view.graph.isSimulationRunning) view.graph.pause(); // cosmos starts it on its own
  if (links && !positions && $("layout").checked) view.graph.start(0.15); // rewired links move the layout a little
}

function newGraph(n, positions, key, linkCount) {
  if (view.graph) view.graph.destroy();
  $("picture").querySelectorAll(".image").forEach((node) => node.remove());
  const space = 4096;
  const fixed = !!positions;
  const size = n > 5000 ? 1.5 : n > 500 ? 3 : 6;
  view.userZoomed = false;
  view.graph = new cosmos.Graph($("picture"), {
    spaceSize: space, backgroundColor: "#ffffff", pointDefaultSize: size, linkDefaultWidth: 0.8,
    linkDefaultColor: "#7f8c99", linkOpacity: n > 5000 ? 0.25 : 0.7, scalePointsOnZoom: false,
    enableSimulation: !fixed, fitViewOnInit: true, fitViewDelay: 300, rescalePositions: !fixed,
    attribution: "", pixelRatio: 1,
    onZoomStart: (event, userDriven) => { if (userDriven) view.userZoomed = true; },
  });
  const xy = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    if (fixed) { xy[2 * i] = 0.1 * space + 0.8 * space * positions.data[2 * i]; xy[2 * i + 1] = 0.1 * space + 0.8 * space * positions.data[2 * i + 1]; }
    else { const r = Math.sqrt(Math.random()) * space * 0.25, a = Math.random() * 2 * Math.PI; xy[2 * i] = space / 2 + r * Math.cos(a); xy[2 * i + 1] = space / 2 + r * Math.sin(a); }
  }
  view.graph.setPointPositions(xy);
  view.graphKey = key;
  $("show-links").checked = linkCount <= LINKS_SHOWN;
  $("layout").checked = !fixed && n <= LAYOUT_FOLLOWS;
  $("layout").disabled = fixed;
  view.graph.setConfigPartial({ renderLinks: $("show-links").checked });
  if ($("layout").checked) view.graph.start(1); // larger graphs start at random until "layout" is ticked
}

// While the layout moves, keep it in view (until the user zooms or pans).
setInterval(() => {
  if (view.graph && !view.userZoomed && view.graph.isSimulationRunning) view.graph.fitView(400);
}, 2000);

function bindGraphOptions() {
  $("show-links").onchange = () => view.graph && view.graph.setConfigPartial({ renderLinks: $("show-links").checked });
  $("layout").onchange = () => view.graph && ($("layout").checked ? view.graph.start(0.3) : view.graph.pause());
}
const cosmos = window.cosmos || window.Cosmos;

// ---------------------------------------------------------------- images: strips and matrices
function diverging(t) { // 0..255 to blue - white - red
  const u = t / 127.5 - 1;
  return u < 0 ? [255 * (1 + u) + 31 * -u, 255 * (1 + u) + 119 * -u, 255 * (1 + u) + 180 * -u]
               : [255 * (1 - u) + 214 * u, 255 * (1 - u) + 39 * u, 255 * (1 - u) + 40 * u];
}

function drawImages(frame) {
  if (view.graph) { view.graph.destroy(); view.graph = null; view.graphKey = ""; }
  for (const [name, range] of Object.entries(frame.header.picture.images)) {
    const array = frame.arrays["image:" + name];
    let slot = view.images[name];
    const rows = array.shape.length === 1 ? STRIP_ROWS : array.shape[0];
    const cols = array.shape[array.shape.length - 1];
    if (!slot || slot.canvas.width !== cols || slot.canvas.height !== rows) {
      if (slot) slot.box.remove();
      const box = document.createElement("figure");
      box.className = "image";
      const canvas = document.createElement("canvas");
      canvas.width = cols; canvas.height = rows;
      canvas.dataset.image = name;
      const caption = document.createElement("figcaption");
      box.append(canvas, caption);
      $("picture").append(box);
      slot = view.images[name] = { box, canvas, caption, context: canvas.getContext("2d") };
    }
    const strip = array.shape.length === 1;
    slot.caption.textContent = name + (strip ? " (a row per frame, newest at the bottom)" : "") +
      ": " + number(range.low) + " blue to " + number(range.high) + " red";
    const height = strip ? 1 : rows;
    const image = slot.context.createImageData(cols, height);
    for (let i = 0; i < array.data.length; i++) {
      const [r, g, b] = diverging(array.data[i]);
      image.data[4 * i] = r; image.data[4 * i + 1] = g; image.data[4 * i + 2] = b; image.data[4 * i + 3] = 255;
    }
    if (strip) {
      slot.context.drawImage(slot.canvas, 0, -1);
      slot.context.putImageData(image, 0, rows - 1);
    } else {
      slot.context.putImageData(image, 0, 0);
    }
  }
}

function number(value) { return value === null ? "not a number" : value.toPrecision(3); }

function drawLegend(legend) {
  const box = $("legend");
  const text = JSON.stringify(legend);
  if (box.dataset.legend === text) return;
  box.dataset.legend = text;
  box.textContent = "";
  for (const [label, colour] of legend) {
    const item = document.createElement("span");
    const dot = document.createElement("i");
    dot.style.background = colour;
    item.append(dot, label);
    box.append(item);
  }
}

main().catch((error) => showError("the view failed to start: " + error));
