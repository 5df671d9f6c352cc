// The catalogue page: every lab, grouped by topic, each a link to its lab page.
"use strict";

const TOPICS = {
  "os-maintenance": "OS maintenance",
  "node-troubleshooting": "Node troubleshooting",
  "upgrade": "Cluster upgrades",
  "version-skew": "Version skew",
  "etcd-backup": "etcd backup",
  "etcd-restore": "etcd restore",
  "quorum": "etcd quorum",
  "etcd-upgrade": "etcd upgrades",
};

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

async function main() {
  const root = document.getElementById("catalogue");
  let labs;
  try {
    const r = await fetch("/api/labs");
    labs = await r.json();
  } catch (e) {
    root.textContent = "The lab server is not answering: " + e;
    return;
  }
  root.textContent = "";
  const intro = el("p", { class: "intro" },
    "Each lab starts a kubeadm cluster in the simulator. Type at the prompt as on a real node; ",
    el("code", {}, "why"), " explains what the model just did, ",
    el("code", {}, "undo"), " and the timeline take it back, ",
    el("code", {}, "check"), " grades the cluster's end state.");
  root.append(intro);
  const byTopic = new Map();
  for (const lab of labs) {
    if (!byTopic.has(lab.topic)) byTopic.set(lab.topic, []);
    byTopic.get(lab.topic).push(lab);
  }
  for (const [topic, list] of byTopic) {
    const grid = el("div", { class: "cards" });
    for (const lab of list) {
      const card = el("a", { class: "card", href: "/lab/" + encodeURIComponent(lab.id), "data-lab": lab.id },
        el("span", { class: "card-title" }, lab.title),
        el("span", { class: "card-meta" },
          el("span", { class: "badge " + lab.difficulty }, lab.difficulty),
          " " + lab.minutes + " min · ", el("code", {}, lab.id)),
        el("span", { class: "card-task" }, lab.task.split("\n\n")[0].replace(/\n/g, " ")));
      grid.append(card);
    }
    root.append(el("section", { class: "topic" }, el("h2", {}, TOPICS[topic] || topic), grid));
  }
  document.body.dataset.ready = "1";
}

main();
