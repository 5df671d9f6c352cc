// The lab page: a terminal on the lab session, a live picture of the cluster, and the
// timeline. Every command goes to the same engine as `kubedrill lab start`; the answer
// carries the session's new state, which is drawn at once.
"use strict";

const labId = decodeURIComponent(location.pathname.split("/").pop());
const $ = (id) => document.getElementById(id);
const out = $("out"), cmd = $("cmd"), promptEl = $("prompt"), picture = $("picture");
const scrub = $("scrub");

let session = null;      // the session id on the server
let current = null;      // the session's state as last drawn (not a preview)
let busy = false;
const queue = [];        // lines waiting while one runs
const typed = [];        // this page's line history, for the arrow keys
let typedAt = 0;
let previewing = null;   // the step shown by the slider, when it is not the present

// Timings for the speed figures: page load and typed command to redrawn picture.
window.kdTimings = { commands: [] };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

async function api(method, path, body) {
  const r = await fetch(path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  let data = null;
  try { data = await r.json(); } catch (_) { /* not JSON */ }
  if (!r.ok) {
    const e = new Error((data && data.error) || r.status + " " + r.statusText);
    e.status = r.status;
    throw e;
  }
  return data;
}

// ---- terminal ------------------------------------------------------------------------

const MAX_OUT_NODES = 3000;

function print(text, cls) {
  if (!text) return;
  out.append(el("div", { class: "o " + (cls || "") }, text.replace(/\n$/, "")));
  while (out.childNodes.length > MAX_OUT_NODES) out.firstChild.remove();
  out.scrollTop = out.scrollHeight;
  const term = $("terminal");
  term.scrollTop = term.scrollHeight;
}

function echo(line) {
  print((current ? current.prompt : "$ ") + line, "echo");
}

function setBusy(b) {
  busy = b;
  document.body.dataset.busy = b ? "1" : "0";
}

async function submit(line, fromButton) {
  if (busy) { queue.push([line, fromButton]); return; }
  if (!session) return;
  const t0 = performance.now();
  if (previewing !== null) endPreview();
  echo(line);
  if (line.trim() !== "" && !fromButton) {
    typed.push(line);
    if (typed.length > 500) typed.shift();
  }
  typedAt = typed.length;
  if (line.trim() === "clear") { out.textContent = ""; runQueue(); return; }
  setBusy(true);
  try {
    const a = await api("POST", `/api/sessions/${session}/input`, { line });
    const why = /^\s*why(\s|$)/.test(line);
    print(a.output, why ? "why" : a.status === 0 ? "" : "err");
    draw(a.state);
    if (a.edit) openEditor(a.edit);
    const ms = performance.now() - t0;
    window.kdTimings.commands.push({ line, ms });
    document.body.dataset.lastCommandMs = ms.toFixed(1);
  } catch (e) {
    print("kubedrill: " + e.message, "err");
    if (e.status === 404) await start();
  } finally {
    setBusy(false);
    runQueue();
  }
}

function runQueue() {
  if (queue.length) { const [l, b] = queue.shift(); submit(l, b); }
}

async function complete() {
  const line = cmd.value.slice(0, cmd.selectionStart);
  const rest = cmd.value.slice(cmd.selectionStart);
  let cands;
  try {
    cands = await api("GET", `/api/sessions/${session}/complete?line=${encodeURIComponent(line)}`);
  } catch (e) { return; }
  const start = Math.max(line.lastIndexOf(" "), line.lastIndexOf("=")) + 1;
  const word = line.slice(start);
  cands = cands.filter((c) => c.startsWith(word));
  if (cands.length === 0) return;
  let common = cands[0];
  for (const c of cands) while (!c.startsWith(common)) common = common.slice(0, -1);
  let insert = common;
  if (cands.length === 1 && !common.endsWith("/")) insert += " ";
  if (insert.length > word.length) {
    cmd.value = line.slice(0, start) + insert + rest;
    const pos = start + insert.length;
    cmd.setSelectionRange(pos, pos);
  } else if (cands.length > 1) {
    echo(cmd.value);
    print(cands.join("  "), "dim");
  }
}

cmd.addEventListener("keydown", (ev) => {
  const k = ev.key;
  if (k === "Enter") {
    ev.preventDefault();
    const line = cmd.value;
    cmd.value = "";
    submit(line, false);
  } else if (k === "ArrowUp") {
    ev.preventDefault();
    if (typedAt > 0) { typedAt--; cmd.value = typed[typedAt]; }
  } else if (k === "ArrowDown") {
    ev.preventDefault();
    if (typedAt < typed.length - 1) { typedAt++; cmd.value = typed[typedAt]; }
    else { typedAt = typed.length; cmd.value = ""; }
  } else if (k === "Tab") {
    ev.preventDefault();
    complete();
  } else if (ev.ctrlKey && !ev.altKey && !ev.metaKey) {
    const p = cmd.selectionStart, v = cmd.value;
    const keys = {
      c: () => { echo(v + "^C"); cmd.value = ""; },
      l: () => { out.textContent = ""; },
      u: () => { cmd.value = v.slice(p); cmd.setSelectionRange(0, 0); },
      k: () => { cmd.value = v.slice(0, p); },
      a: () => cmd.setSelectionRange(0, 0),
      e: () => cmd.setSelectionRange(v.length, v.length),
      w: () => {
        const before = v.slice(0, p).replace(/\S+\s*$/, "");
        cmd.value = before + v.slice(p);
        cmd.setSelectionRange(before.length, before.length);
      },
    };
    if (keys[k.toLowerCase()]) { ev.preventDefault(); keys[k.toLowerCase()](); }
  }
});

$("terminal").addEventListener("mouseup", () => {
  if (!window.getSelection().toString()) cmd.focus();
});

for (const b of document.querySelectorAll("button[data-line]")) {
  b.addEventListener("click", () => { submit(b.dataset.line, true); cmd.focus(); });
}

// ---- the editor (vi FILE) ------------------------------------------------------------

let editing = null;

function openEditor(file) {
  editing = file.path;
  $("editor-path").textContent = file.path;
  $("editor-text").value = file.content;
  $("editor").hidden = false;
  $("editor-text").focus();
}

async function closeEditor(save) {
  const path = editing;
  editing = null;
  $("editor").hidden = true;
  cmd.focus();
  if (!save || path === null) return;
  setBusy(true);
  try {
    const a = await api("POST", `/api/sessions/${session}/edit`, { path, content: $("editor-text").value });
    print(a.output, a.status === 0 ? "" : "err");
    draw(a.state);
  } catch (e) {
    print("kubedrill: " + e.message, "err");
  } finally {
    setBusy(false);
    runQueue();
  }
}

$("editor-save").addEventListener("click", () => closeEditor(true));
$("editor-cancel").addEventListener("click", () => closeEditor(false));
$("editor-text").addEventListener("keydown", (ev) => {
  if (ev.key === "Escape") closeEditor(false);
  if (ev.key === "s" && ev.ctrlKey) { ev.preventDefault(); closeEditor(true); }
});

// ---- the cluster picture -------------------------------------------------------------

function chip(p) {
  return el("span", {
    class: `chip kind-${p.kind} st-${p.status}${p.ready ? " ready" : ""}`,
    "data-pod": p.id,
    "data-owner": p.owner || null,
    title: `${p.id}\n${p.status}${p.owner ? "\nowner: " + p.owner : ""}${p.reason ? "\n" + p.reason : ""}`,
  }, p.name);
}

function statusClass(n) {
  if (n.ready !== "True") return "notready";
  return n.schedulable ? "ready" : "cordoned";
}

function nodeCard(n) {
  const comps = el("div", { class: "comps" });
  for (const c of n.components) {
    comps.append(el("span", { class: "comp " + c.state, title: `${c.name} ${c.version}: ${c.state}` },
      el("b", {}, c.name.replace(/^kube-/, "")), " " + c.version));
  }
  const apps = n.pods.filter((p) => p.kind === "app" || p.kind === "bare");
  // Static pods are drawn as the node's components, with their versions and state.
  const system = n.pods.filter((p) => p.kind === "daemon" || p.kind === "system");
  const pods = el("div", { class: "pods" });
  for (const p of apps) pods.append(chip(p));
  if (apps.length === 0) pods.append(el("span", { class: "none" }, "no application pods"));
  const sys = el("div", { class: "pods system" });
  for (const p of system) sys.append(chip(p));
  const kubelet = n.kubelet === "running" ? null : el("span", { class: "warn" }, "kubelet " + n.kubelet);
  return el("div", { class: `node ${n.role} ${statusClass(n)}`, "data-node": n.name },
    el("div", { class: "node-head" },
      el("span", { class: "node-name" }, n.name),
      el("span", { class: "role" }, n.role === "control-plane" ? "control plane" : "worker"),
      el("span", { class: "status", "data-status": n.status }, n.status),
      kubelet),
    comps, pods, sys);
}

function pdbPanel(pdbs) {
  if (!pdbs.length) return null;
  const box = el("div", { class: "panel pdbs" }, el("h3", {}, "PodDisruptionBudgets"));
  for (const b of pdbs) {
    const meter = el("div", { class: "meter" });
    const total = Math.max(b.expected, b.currentHealthy, 1);
    for (let i = 0; i < total; i++) {
      const healthy = i < b.currentHealthy;
      const needed = i < b.desiredHealthy;
      meter.append(el("span", { class: `cell${healthy ? " healthy" : ""}${needed ? " needed" : ""}` }));
    }
    box.append(el("div", { class: "pdb", "data-pdb": b.name },
      el("div", {}, el("b", {}, b.name), el("span", { class: "muted" }, " " + b.spec)),
      meter,
      el("div", { class: "pdb-numbers" },
        `healthy ${b.currentHealthy} · desired ${b.desiredHealthy} · expected ${b.expected} · `,
        el("span", { class: "allowed " + (b.disruptionsAllowed === 0 ? "zero" : "some") },
          `${b.disruptionsAllowed} disruption${b.disruptionsAllowed === 1 ? "" : "s"} allowed`))));
  }
  return box;
}

function etcdPanel(e) {
  if (!e.members.length) return null;
  const members = el("div", { class: "members" });
  for (const m of e.members) {
    members.append(el("div", { class: `member ${m.state.replace(" ", "-")}${m.leader ? " leader" : ""}`, "data-member": m.name },
      el("span", { class: "dot" }, m.leader ? "★" : ""),
      el("span", { class: "member-name" }, m.name),
      el("span", { class: "member-state" }, m.leader ? "leader" : m.learner ? "learner" : m.state)));
  }
  const q = el("div", { class: "quorum " + (e.hasQuorum ? "held" : "lost") },
    `${e.running} of ${e.voters} running · quorum ${e.quorum} · `,
    el("b", {}, e.hasQuorum ? "held" : "QUORUM LOST"));
  return el("div", { class: "panel etcd" }, el("h3", {}, "etcd " + e.version), members, q);
}

// Where each chip was before a redraw, so chips move to where they are now: the same pod
// slides; a replacement slides from where the pod its controller lost was.
function chipPlaces() {
  const byPod = new Map();
  for (const c of picture.querySelectorAll(".chip[data-pod]")) {
    byPod.set(c.dataset.pod, { rect: c.getBoundingClientRect(), owner: c.dataset.owner || "", node: c.closest("[data-node]") });
  }
  return byPod;
}

function animateChips(before) {
  if (!before.size) return;
  const now = new Set([...picture.querySelectorAll(".chip[data-pod]")].map((c) => c.dataset.pod));
  // Pods that went, by owner: where their replacements come from.
  const gone = new Map();
  for (const [id, b] of before) {
    if (now.has(id) || !b.owner) continue;
    if (!gone.has(b.owner)) gone.set(b.owner, []);
    gone.get(b.owner).push(b.rect);
  }
  for (const c of picture.querySelectorAll(".chip[data-pod]")) {
    const r = c.getBoundingClientRect();
    let from = before.get(c.dataset.pod);
    let rect = from && from.rect;
    if (!rect && c.dataset.owner && gone.get(c.dataset.owner) && gone.get(c.dataset.owner).length) {
      rect = gone.get(c.dataset.owner).shift();
      c.classList.add("moved");
    }
    if (!rect) {
      if (!from) c.animate([{ opacity: 0, transform: "scale(0.6)" }, { opacity: 1, transform: "none" }], { duration: 350 });
      continue;
    }
    const dx = rect.left - r.left, dy = rect.top - r.top;
    if (Math.abs(dx) < 1 && Math.abs(dy) < 1) continue;
    c.animate([{ transform: `translate(${dx}px, ${dy}px)` }, { transform: "none" }],
      { duration: 650, easing: "cubic-bezier(.2,.7,.2,1)" });
  }
}

function drawPicture(state) {
  const p = state.picture;
  const before = chipPlaces();
  const frag = document.createDocumentFragment();
  frag.append(el("div", { class: "cluster-head" },
    el("span", { class: "api " + (p.apiAvailable ? "up" : "down"), "data-api": p.apiAvailable ? "up" : "down" },
      p.apiAvailable ? "API answering" : "API not answering"),
    el("span", {}, "Kubernetes " + p.version),
    ...p.addons.map((a) => el("span", { class: "muted" }, `${a.name} ${a.version}`)),
    el("span", { class: "muted right-most" }, `virtual time +${state.time}`)));
  const cps = p.nodes.filter((n) => n.role === "control-plane");
  const workers = p.nodes.filter((n) => n.role !== "control-plane");
  frag.append(el("div", { class: "row-label" }, "control plane"));
  frag.append(el("div", { class: "nodes" }, ...cps.map(nodeCard)));
  frag.append(el("div", { class: "row-label" }, "workers"));
  frag.append(el("div", { class: "nodes" }, ...workers.map(nodeCard)));
  if (p.pending.length) {
    const box = el("div", { class: "pending" }, el("span", { class: "pending-label" }, "Pending (no node fits)"));
    for (const pod of p.pending) box.append(chip(pod));
    const reason = p.pending.find((x) => x.reason);
    if (reason) box.append(el("div", { class: "pending-reason" }, reason.reason));
    frag.append(box);
  }
  frag.append(el("div", { class: "panels" }, pdbPanel(p.pdbs), etcdPanel(p.etcd)));
  picture.replaceChildren(frag);
  animateChips(before);
}

function drawTimeline(state) {
  const n = state.history.length;
  scrub.max = String(n);
  scrub.value = String(state.atStep);
  scrub.disabled = n === 0;
  const label = state.atStep === 0 ? "start of the lab" :
    `after step ${state.atStep}: ${state.history[state.atStep - 1].line}`;
  $("scrub-label").textContent = `${state.atStep}/${n} · ${label}`;
  const sel = $("timelines");
  sel.replaceChildren(...state.timelines.map((t) =>
    el("option", { value: t.number, selected: t.current }, `${t.number} (${t.steps} step${t.steps === 1 ? "" : "s"})`)));
  document.body.dataset.steps = String(n);
  document.body.dataset.atStep = String(state.atStep);
}

function draw(state) {
  current = state;
  promptEl.textContent = state.prompt;
  drawPicture(state);
  drawTimeline(state);
  document.body.dataset.ready = "1";
}

// ---- the timeline --------------------------------------------------------------------

let scrubbing = false, scrubWanted = null;

async function showStep(k) {
  if (scrubbing) { scrubWanted = k; return; }
  scrubbing = true;
  try {
    if (k === current.history.length) { endPreview(); return; }
    const st = await api("GET", `/api/sessions/${session}/at/${k}`);
    previewing = k;
    document.body.classList.add("previewing");
    drawPicture(st);
    drawTimeline(st);
    const pv = $("preview");
    pv.hidden = false;
    pv.textContent = `Looking back: the cluster after step ${k} of ${current.history.length}. ` +
      `Commands still run on the present; "rewind to here" makes this the present.`;
    $("rewind-here").hidden = false;
    $("back-to-now").hidden = false;
  } catch (e) {
    print("kubedrill: " + e.message, "err");
  } finally {
    scrubbing = false;
    if (scrubWanted !== null) { const w = scrubWanted; scrubWanted = null; showStep(w); }
  }
}

function endPreview() {
  previewing = null;
  document.body.classList.remove("previewing");
  $("preview").hidden = true;
  $("rewind-here").hidden = true;
  $("back-to-now").hidden = true;
  if (current) { drawPicture(current); drawTimeline(current); }
}

scrub.addEventListener("input", () => showStep(Number(scrub.value)));
$("back-to-now").addEventListener("click", endPreview);
$("rewind-here").addEventListener("click", () => {
  const k = previewing;
  if (k === null) return;
  submit(`rewind ${k + 1}`, true);
});
$("timelines").addEventListener("change", (ev) => submit(`timeline ${ev.target.value}`, true));

// ---- start ---------------------------------------------------------------------------

async function start() {
  const key = "kubedrill-session-" + labId;
  const saved = sessionStorage.getItem(key);
  if (saved) {
    try {
      const st = await api("GET", `/api/sessions/${saved}`);
      session = Number(saved);
      return st;
    } catch (_) { sessionStorage.removeItem(key); }
  }
  const seed = new URLSearchParams(location.search).get("seed");
  const created = await api("POST", "/api/sessions", seed ? { lab: labId, seed: Number(seed) } : { lab: labId });
  session = created.state.session;
  sessionStorage.setItem(key, String(session));
  return created.state;
}

async function main() {
  let labs;
  try {
    labs = await api("GET", "/api/labs");
  } catch (e) {
    print("The lab server is not answering: " + e.message, "err");
    return;
  }
  const lab = labs.find((l) => l.id === labId);
  if (!lab) { print("No lab " + labId, "err"); return; }
  document.title = lab.title + " · kubedrill";
  $("title").textContent = lab.title;
  $("meta").textContent = `${lab.topic} · ${lab.difficulty} · about ${lab.minutes} min`;
  $("task-text").textContent = lab.task;
  const state = await start();
  draw(state);
  print("Type commands as on the node. `why` explains what the model just did; `undo`, `rewind N` and the " +
    "timeline below go back; `check` grades the cluster. Tab completes, arrows recall.", "dim");
  cmd.focus();
  const nav = performance.getEntriesByType("navigation")[0];
  window.kdTimings.readyMs = performance.now();
  window.kdTimings.loadEventMs = nav ? nav.loadEventEnd : null;
}

main();
