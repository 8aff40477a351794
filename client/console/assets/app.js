// app.js - the console's page: plain JavaScript, no framework, nothing loaded
// from the network.  Every text from the server goes in with textContent.
"use strict";

const $ = (id) => document.getElementById(id);
const STATE_LABEL = {
  pending: "待发送", stored: "已保存", duplicate: "重复（已保存过）",
  conflict: "冲突", rejected: "被拒绝", returned: "被中心退回",
};
const CELL_LABEL = { on_time: "按时", late: "迟报", nil: "零报告", missing: "未报", not_due: "未到期" };
const PERIOD_LABEL = {
  year: "全年", q1: "一季度", q2: "二季度", q3: "三季度", q4: "四季度", h1: "上半年", h2: "下半年",
};
let types = {};          // name -> Chinese label
let role = "unknown";
let returned = new Map(); // record id -> returned review

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) tr.appendChild(c instanceof Node ? c : el("td", c));
  return tr;
}

async function api(path, opts) {
  const r = await fetch(path, Object.assign({ credentials: "same-origin" }, opts || {}));
  let body = null;
  try { body = await r.json(); } catch (e) { body = { error: "无法读取服务器的答复" }; }
  if (!r.ok) {
    const msg = (body && body.error) || ("请求失败（" + r.status + "）");
    const err = new Error(body && body.detail ? msg + "：" + body.detail : msg);
    err.unreachable = !!(body && body.unreachable);
    throw err;
  }
  return body;
}

function post(path, obj) {
  return api(path, { method: "POST", headers: { "Content-Type": "application/json" },
                     body: JSON.stringify(obj || {}) });
}

function note(id, text, bad) {
  const n = $(id);
  n.textContent = text;
  n.classList.toggle("bad", !!bad);
}

function yearOf(id) {
  const v = $(id).value.trim();
  return /^\d{4}$/.test(v) ? v : "";
}

// ------------------------------------------------------------ pages

function show(page) {
  for (const b of document.querySelectorAll(".tabs button")) {
    if (b.dataset.page === page) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  for (const s of document.querySelectorAll(".page")) s.hidden = s.id !== "page-" + page;
  if (page === "outbox") loadOutbox();
}

// ------------------------------------------------------------ state banner

let lastStored = -1;
async function poll() {
  let s;
  try {
    s = await api("/api/state");
  } catch (e) {
    $("banner").className = "banner bad";
    $("banner-text").textContent = "控制台已停止或无法访问：" + e.message;
    return;
  }
  if (s.role !== role) {
    role = s.role;
    for (const b of document.querySelectorAll("[data-central]")) b.hidden = role !== "central";
    fillTemplateTypes();
  }
  $("who").textContent = (s.office_name || s.office) + "（" + s.office + "，" +
    (role === "central" ? "中心" : role === "township" ? "乡镇" : "角色未知") + "）· 服务器 " + s.server;
  const k = s.counts, snd = s.sender;
  const b = $("banner"), t = $("banner-text"), p = $("send-progress"), retry = $("retry");
  p.hidden = true;
  retry.hidden = true;
  if (snd.state === "sending") {
    b.className = "banner busy";
    const total = Math.max(snd.batch_total, k.pending);
    const done = total - k.pending;
    t.textContent = "正在发送：已发送 " + done + " / 共 " + total + " 条";
    p.hidden = false;
    p.max = total || 1;
    p.value = done;
  } else if (snd.state === "unreachable") {
    b.className = "banner bad";
    t.textContent = "服务器无法连接，记录已保存在本机发件箱（" + k.pending + " 条待发送），" +
      (snd.retry_in > 0 ? snd.retry_in + " 秒后自动重发。" : "正在自动重发。");
    retry.hidden = false;
  } else if (snd.state === "refused") {
    b.className = "banner bad";
    t.textContent = "服务器拒绝了本单位的登录，记录保存在本机发件箱（" + k.pending + " 条待发送）：" + snd.error;
    retry.hidden = false;
  } else if (k.pending > 0) {
    b.className = "banner busy";
    t.textContent = "有 " + k.pending + " 条记录待发送。";
    retry.hidden = false;
  } else {
    b.className = "banner";
    t.textContent = "已连接服务器，发件箱中的记录均已发送" +
      (snd.sent ? "（最近一次发送 " + snd.sent + " 条：保存 " + snd.stored + "，重复 " + snd.duplicate +
        "，冲突 " + snd.conflict + "，被拒绝 " + snd.rejected + "）" : "") + "。";
  }
  $("counts").textContent = "待发送 " + k.pending + " · 已保存 " + k.stored + " · 重复 " + k.duplicate +
    " · 冲突 " + k.conflict + " · 被拒绝 " + k.rejected;
  $("receipt").textContent = s.receipt
    ? "最近的回执：服务器审计记录第 " + s.receipt.seq + " 行，校验值 " + s.receipt.sha256
    : "还没有收到服务器的回执。";
  const stored = k.stored + k.duplicate + k.conflict + k.rejected;
  if (stored !== lastStored && !$("page-outbox").hidden) loadOutbox();
  lastStored = stored;
}

// ------------------------------------------------------------ upload

function uploadOne(file, q) {
  return new Promise((resolve) => {
    const x = new XMLHttpRequest();
    x.open("POST", "/api/upload?" + q.toString());
    x.upload.onprogress = (ev) => {
      if (ev.lengthComputable)
        note("upload-note", "正在上传 " + file.name + "：" + Math.round(100 * ev.loaded / ev.total) + "%");
    };
    x.onload = () => {
      let body;
      try { body = JSON.parse(x.responseText); } catch (e) { body = { error: x.responseText || "上传失败" }; }
      if (x.status !== 200 && !body.error) body.error = "上传失败（" + x.status + "）";
      resolve(body);
    };
    x.onerror = () => resolve({ error: "上传失败：控制台无法访问" });
    x.send(file);
  });
}

function cellsTable(p) {
  const t = el("table", null, "cells");
  if (p.header && p.header.length) {
    const tr = document.createElement("tr");
    for (const h of p.header) tr.appendChild(el("th", h));
    t.appendChild(tr);
  }
  if (p.cells) {
    const tr = document.createElement("tr");
    p.cells.forEach((c, i) => {
      const td = el("td", c);
      if (i === p.bad_col) {
        td.className = "cell-bad";
        td.title = p.reason;
        td.setAttribute("aria-label", "有误的单元格：" + c);
      }
      tr.appendChild(td);
    });
    t.appendChild(tr);
  }
  return t;
}

function showResult(file, res) {
  const box = el("div", null, "file-result");
  box.appendChild(el("h3", file.name));
  if (res.error) {
    box.appendChild(el("p", res.error + (res.detail ? "：" + res.detail : ""), "bad-text"));
  } else {
    const queued = res.added + res.versions;
    box.appendChild(el("p", (res.queued ? "已加入发件箱 " + queued + " 条（新 " + res.added + "，修改 " +
      res.versions + "），未变 " + res.unchanged + " 条" : "没有加入发件箱") +
      (res.invalid ? "，有误 " + res.invalid + " 处，请改正后重新上传。" : "。"),
      res.invalid || !res.queued ? "bad-text" : "note"));
  }
  if (res.problems && res.problems.length) {
    const t = el("table");
    t.className = "problems";
    t.appendChild(el("caption", "有误的行（标红的是出错的单元格）", "sr"));
    const h = document.createElement("thead");
    h.appendChild(row(["工作表", "行", "列", "原因", "该行内容"].map((x) => {
      const th = el("th", x); th.scope = "col"; return th;
    })));
    t.appendChild(h);
    const b = document.createElement("tbody");
    for (const p of res.problems) {
      const td = document.createElement("td");
      if (p.cells) td.appendChild(cellsTable(p));
      b.appendChild(row([p.sheet || "—", p.row || "—", (p.column || "—") + (p.cell ? "（" + p.cell + "）" : ""),
        p.reason, td]));
    }
    t.appendChild(b);
    const s = el("div", null, "scroll");
    s.appendChild(t);
    box.appendChild(s);
    if (res.omitted) box.appendChild(el("p", "另有 " + res.omitted + " 处未列出。", "note"));
  }
  $("upload-results").prepend(box);
}

async function uploadFiles(files) {
  if (!files || !files.length) {
    note("upload-note", "请先选择文件。", true);
    return;
  }
  const q = new URLSearchParams();
  for (const [k, id] of [["type", "opt-type"], ["period", "opt-period"], ["unit", "opt-unit"]])
    if ($(id).value) q.set(k, $(id).value);
  const y = yearOf("opt-year");
  if ($("opt-year").value.trim() && !y) {
    note("upload-note", "年度应为四位数字，如 2023。", true);
    return;
  }
  if (y) q.set("year", y);
  $("upload-go").disabled = true;
  for (const f of files) {
    q.set("name", f.name);
    note("upload-note", "正在检查 " + f.name + "……");
    showResult(f, await uploadOne(f, q));
  }
  $("upload-go").disabled = false;
  note("upload-note", "检查完毕；有效的记录已加入发件箱并开始发送。");
  poll();
}

// ------------------------------------------------------------ outbox

async function loadReturned() {
  try {
    const r = await api("/api/returned");
    returned = new Map(r.records.map((x) => [x.id, x]));
    return r;
  } catch (e) {
    return null;
  }
}

async function loadOutbox() {
  const want = $("ob-filter").value;
  const tb = $("ob-table").tBodies[0];
  let ob;
  try {
    ob = await api("/api/outbox" + (want && want !== "returned" ? "?state=" + want : ""));
  } catch (e) {
    note("ob-note", e.message, true);
    return;
  }
  const ret = await loadReturned();
  tb.replaceChildren();
  let n = 0;
  for (const e of ob.entries) {
    const rv = returned.get(e.id);
    const st = rv ? "returned" : e.state;
    if (want === "returned" && !rv) continue;
    // A server's Chinese reason names its field itself; an older server's English one does not.
    const why = rv ? rv.comment + "（" + rv.reviewer + "，" + rv.day + "）"
                   : /[\u4e00-\u9fff]/.test(e.reason) ? e.reason
                   : [e.field, e.reason].filter(Boolean).join("：");
    tb.appendChild(row([el("td", STATE_LABEL[st], "st-" + st), e.type, e.key, e.source, e.queued, why]));
    n++;
  }
  note("ob-note", (n ? "共 " + n + " 条" : "没有这样的记录") +
    (ob.entries.length >= ob.max ? "（只列出最新的 " + ob.max + " 条）" : "") +
    (ret ? "；中心已通过 " + ret.accepted + " 条，退回 " + ret.returned + " 条" +
      (ret.returned ? "（改正后重新上传原文件即可）" : "") : "；暂时无法向服务器查询退回的记录") + "。");
}

function fillTemplateTypes() {
  const sel = $("tpl-type"), keep = sel.value;
  sel.replaceChildren();
  const all = Object.entries(types).sort((a, b) => (b[1].township === (role !== "central")) -
                                                  (a[1].township === (role !== "central")));
  for (const [name, t] of all) {
    const o = el("option", t.label + (t.township ? "" : "（中心填报）"));
    o.value = name;
    sel.appendChild(o);
  }
  if (keep) sel.value = keep;
  templateLink();
}

function templateLink() {
  $("tpl-link").href = "/api/template?type=" + encodeURIComponent($("tpl-type").value) +
    "&unit=" + $("tpl-unit").value;
}

// ------------------------------------------------------------ completeness

async function loadBoard() {
  const y = yearOf("board-year");
  if (!y) { note("board-note", "请填写四位数的年度。", true); return; }
  note("board-note", "正在向服务器查询……");
  let r;
  try {
    r = await api("/api/completeness?year=" + y);
  } catch (e) {
    note("board-note", e.message, true);
    return;
  }
  const bd = r.board, cols = [], seen = new Set();
  for (const t of bd.townships)
    for (const x of t.returns) {
      const k = x.type + "|" + x.period;
      if (!seen.has(k)) { seen.add(k); cols.push([x.type, x.period]); }
    }
  const head = document.createElement("tr");
  for (const h of ["乡镇", ...cols.map(([t, p]) => (types[t] ? types[t].label : t) + " " + (PERIOD_LABEL[p] || p)),
    "报送率", "及时率"]) {
    const th = el("th", h); th.scope = "col"; head.appendChild(th);
  }
  $("board-table").tHead.replaceChildren(head);
  const tb = $("board-table").tBodies[0];
  tb.replaceChildren();
  $("board-table").className = "board";
  for (const t of bd.townships) {
    const tr = document.createElement("tr");
    const th = el("th", t.name + "（" + t.code + "）"); th.scope = "row"; tr.appendChild(th);
    const by = new Map(t.returns.map((x) => [x.type + "|" + x.period, x]));
    for (const [ty, p] of cols) {
      const x = by.get(ty + "|" + p), td = document.createElement("td");
      if (x) {
        const b = el("button", CELL_LABEL[x.state] + (x.state === "late" ? x.days_late + "天" : ""));
        b.type = "button";
        td.className = "cs-" + x.state;
        b.addEventListener("click", () => showCell(y, t, ty, x));
        td.appendChild(b);
      } else td.textContent = "—";
      tr.appendChild(td);
    }
    tr.appendChild(el("td", t.counts.reporting_rate.pct + "%"));
    tr.appendChild(el("td", t.counts.timeliness_rate.pct + "%"));
    tb.appendChild(tr);
  }
  note("board-note", bd.townships.length ? y + " 年，截至 " + bd.as_of + "。" : y + " 年没有应报的记录。");
}

function showCell(year, t, type, x) {
  const box = $("board-cell");
  box.replaceChildren();
  box.appendChild(el("h3", t.name + " · " + (types[type] ? types[type].label : type) + " · " +
    (PERIOD_LABEL[x.period] || x.period)));
  box.appendChild(el("p", CELL_LABEL[x.state] + "；截止 " + x.deadline +
    (x.reported_on ? "，报送于 " + x.reported_on : "，尚未报送") + "。", "note"));
  if (role === "central") {
    const b = el("button", "审核这些记录");
    b.type = "button";
    b.addEventListener("click", () => {
      $("rq-year").value = year;
      $("rq-div").value = t.code;
      $("rq-type").value = type;
      $("rq-state").value = "";
      show("review");
      loadQueue();
    });
    box.appendChild(b);
  }
}

// ------------------------------------------------------------ review

const REVIEW_LABEL = { pending: "待审核", accepted: "已通过", returned: "已退回" };
let queue = [];
let shownRecord = "";

async function loadQueue() {
  const y = yearOf("rq-year");
  if (!y) { note("rv-note", "请填写四位数的年度。", true); return; }
  const q = new URLSearchParams({ year: y });
  for (const [k, id] of [["division", "rq-div"], ["type", "rq-type"], ["state", "rq-state"]])
    if ($(id).value.trim()) q.set(k, $(id).value.trim());
  note("rv-note", "正在向服务器查询……");
  let r;
  try {
    r = await api("/api/records?" + q.toString());
  } catch (e) {
    note("rv-note", e.message, true);
    return;
  }
  queue = r.items;
  const tb = $("rq-table").tBodies[0];
  tb.replaceChildren();
  for (const it of queue) {
    const pick = document.createElement("input");
    pick.type = "checkbox";
    pick.value = it.id;
    pick.setAttribute("aria-label", "选择 " + (it.label || it.id));
    const sel = document.createElement("td");
    sel.appendChild(pick);
    const ops = document.createElement("td");
    for (const [text, fn] of [["查看", () => showRecord(it.id)], ["通过", () => review("accept", [it.id])],
      ["退回", () => review("return", [it.id])], ["整批", () => { $("rv-batch").value = it.batch; $("rv-batch").focus(); }]]) {
      const b = el("button", text);
      b.type = "button";
      b.setAttribute("aria-label", text + " " + (it.label || it.id));
      b.addEventListener("click", fn);
      ops.appendChild(b);
    }
    tb.appendChild(row([sel, it.label || it.id, it.type, it.division, it.period, "第" + it.version + "版",
      el("td", REVIEW_LABEL[it.state], "st-" + (it.state === "returned" ? "returned" : it.state === "accepted" ? "stored" : "pending")),
      it.comment, it.received, ops]));
  }
  note("rv-note", "共 " + r.total + " 条" + (r.more ? "（只列出前 " + queue.length + " 条）" : "") + "。");
}

async function showRecord(id) {
  const box = $("rq-detail");
  shownRecord = id;
  box.replaceChildren(el("p", "正在读取……", "note"));
  let r;
  try {
    r = await api("/api/record?id=" + encodeURIComponent(id));
  } catch (e) {
    box.replaceChildren(el("p", e.message, "bad-text"));
    return;
  }
  box.replaceChildren(el("h3", "记录的各个版本（共 " + r.total + " 个）"));
  const wrap = el("div", null, "versions");
  for (const v of r.versions) {
    const lines = (v.text || "").split("\n").filter((x) => x.trim());
    const t = el("table", null, "fields");
    t.appendChild(el("caption", "第" + v.version + "版 · " + REVIEW_LABEL[v.state] + (v.current ? "（当前）" : "（已被取代）") +
      (v.comment ? " · 意见：" + v.comment : "")));
    for (const line of lines.slice(1)) {
      const i = line.indexOf("：");
      const th = el("th", line.slice(0, i).trim()); th.scope = "row";
      t.appendChild(row([th, line.slice(i + 1)]));
    }
    wrap.appendChild(t);
  }
  box.appendChild(wrap);
}

async function review(action, ids, batch) {
  const comment = $("rv-comment").value.trim();
  if (action === "return" && !comment) { note("rv-note", "退回时请写明意见。", true); $("rv-comment").focus(); return; }
  const jobs = batch ? [{ batch }] : ids.map((id) => ({ id }));
  if (!jobs.length) { note("rv-note", "请先选择记录。", true); return; }
  let done = 0, skipped = 0;
  try {
    for (const j of jobs) {
      const r = await post("/api/review", Object.assign({ action, comment: comment || undefined }, j));
      done += r.ids.length;
      skipped += r.skipped;
    }
    note("rv-note", (action === "return" ? "已退回 " : "已通过 ") + done + " 条记录" +
      (skipped ? "（" + skipped + " 条已被新版本取代，跳过）" : "") + "。");
  } catch (e) {
    note("rv-note", e.message, true);
    return;
  }
  const msg = $("rv-note").textContent;
  if (yearOf("rq-year")) await loadQueue();
  if (shownRecord) await showRecord(shownRecord);
  note("rv-note", msg);
}

function selected() {
  return [...$("rq-table").querySelectorAll("tbody input[type=checkbox]:checked")].map((x) => x.value);
}

// ------------------------------------------------------------ report and year

function reportLinks() {
  const y = yearOf("rep-year");
  for (const f of ["docx", "xlsx", "json", "csv"]) {
    const a = $("dl-" + f);
    a.href = y ? "/api/report?year=" + y + "&format=" + f : "#";
  }
}

async function showReport() {
  const y = yearOf("rep-year");
  if (!y) { note("rep-note", "请填写四位数的年度。", true); return; }
  note("rep-note", "正在生成报告……");
  $("rep-frame").src = "/api/report?year=" + y + "&format=html&inline=1";
  const tb = $("findings").tBodies[0];
  tb.replaceChildren();
  try {
    const r = await fetch("/api/report?year=" + y + "&format=json");
    const j = await r.json();
    if (!r.ok) throw new Error(j.error + (j.detail ? "：" + j.detail : ""));
    const sev = { error: "错误", warning: "警告", info: "提示" };
    for (const f of j.findings || [])
      tb.appendChild(row([sev[f.severity] || f.severity, f.check, f.expected, f.found, f.where]));
    note("rep-note", y + " 年报告：" + (j.findings || []).length + " 条核查发现。");
  } catch (e) {
    note("rep-note", e.message, true);
  }
  yearShow();
}

function confirmStep(text) {
  return new Promise((resolve) => {
    const d = $("confirm");
    $("confirm-text").textContent = text;
    const done = (v) => { d.close(); $("confirm-yes").onclick = null; $("confirm-no").onclick = null; resolve(v); };
    $("confirm-yes").onclick = () => done(true);
    $("confirm-no").onclick = () => done(false);
    d.oncancel = () => done(false);
    d.showModal();
    $("confirm-no").focus();
  });
}

function describeYear(r) {
  let s = r.year + " 年：" + (r.closed ? "已结账" : "未结账");
  for (const i of r.issues) s += "；第 " + i.issue + " 次出具于 " + i.day + "（" + i.records + " 条记录" +
    (i.reason ? "，重新出具：" + i.reason : "") + "）";
  for (const e of r.exceptions) s += "；" + e.division + " 重新开放至 " + e.until + "：" + e.reason;
  return s;
}

async function yearShow() {
  const y = yearOf("rep-year");
  if (!y) return;
  try {
    $("year-state").textContent = describeYear(await post("/api/year", { year: Number(y), action: "show" }));
  } catch (e) {
    $("year-state").textContent = e.message;
  }
}

async function yearAction(action) {
  const y = yearOf("rep-year");
  if (!y) { note("year-note", "请填写四位数的年度。", true); return; }
  const body = { year: Number(y), action };
  let text;
  if (action === "close") {
    text = "确认为 " + y + " 年结账？结账后出具报告，各乡镇该年度的记录将被拒收。";
  } else {
    body.division = $("ro-div").value.trim();
    body.until = $("ro-until").value.trim();
    body.reason = $("ro-reason").value.trim();
    if (!body.division || !body.until || !body.reason) {
      note("year-note", "请填写乡镇代码、截止日期和原因。", true);
      return;
    }
    text = "确认为 " + body.division + " 重新开放 " + y + " 年至 " + body.until + "？";
  }
  if (!(await confirmStep(text))) { note("year-note", "已取消。"); return; }
  try {
    const r = await post("/api/year", body);
    note("year-note", (action === "close" ? "已结账。" : "已重新开放。") + describeYear(r));
    $("year-state").textContent = describeYear(r);
  } catch (e) {
    note("year-note", e.message, true);
  }
}

// ------------------------------------------------------------ start

async function start() {
  for (const b of document.querySelectorAll(".tabs button"))
    b.addEventListener("click", () => show(b.dataset.page));
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    uploadFiles(e.dataTransfer.files);
  });
  $("upload-go").addEventListener("click", () => uploadFiles($("files").files));
  $("retry").addEventListener("click", async () => {
    try { await post("/api/sync"); } catch (e) { /* the banner says how it goes */ }
    poll();
  });
  $("ob-filter").addEventListener("change", loadOutbox);
  $("ob-refresh").addEventListener("click", loadOutbox);
  $("tpl-type").addEventListener("change", templateLink);
  $("tpl-unit").addEventListener("change", templateLink);
  $("board-go").addEventListener("click", loadBoard);
  $("rq-go").addEventListener("click", loadQueue);
  $("rv-accept-sel").addEventListener("click", () => review("accept", selected()));
  $("rv-return-sel").addEventListener("click", () => review("return", selected()));
  $("rv-accept-batch").addEventListener("click", () => {
    if ($("rv-batch").value.trim()) review("accept", [], $("rv-batch").value.trim());
    else note("rv-note", "请填写批次编号。", true);
  });
  $("rv-return-batch").addEventListener("click", () => {
    if ($("rv-batch").value.trim()) review("return", [], $("rv-batch").value.trim());
    else note("rv-note", "请填写批次编号。", true);
  });
  $("rep-show").addEventListener("click", showReport);
  $("rep-year").addEventListener("input", reportLinks);
  $("year-close").addEventListener("click", () => yearAction("close"));
  $("year-reopen").addEventListener("click", () => yearAction("reopen"));
  const last = String(new Date().getFullYear() - 1);
  for (const id of ["board-year", "rep-year", "rq-year"]) $(id).value = last;
  reportLinks();
  try {
    for (const t of await api("/api/types")) {
      types[t.name] = t;
      const o = el("option", t.label);
      o.value = t.name;
      $("opt-type").appendChild(o);
      if (t.township) {
        const o2 = el("option", t.label);
        o2.value = t.name;
        $("rq-type").appendChild(o2);
      }
    }
  } catch (e) { /* the banner will say the console cannot be reached */ }
  fillTemplateTypes();
  const tick = async () => {
    await poll();
    setTimeout(tick, $("banner").classList.contains("busy") ? 300 : 1000);
  };
  tick();
}

document.addEventListener("DOMContentLoaded", start);
