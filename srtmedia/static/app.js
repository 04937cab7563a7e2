// The web page: upload, follow the task live, list my tasks, read the transcript beside the media.
import { SrtmediaClient, SrtmediaError } from "/static/srtmedia-client.js";
import { TranscriptViewer } from "/static/viewer.js";
import { TimingChart, clock } from "/static/timing-chart.js";

const $ = (id) => document.getElementById(id);
const LIST_REFRESH_MS = 3000;
const ACTIVE = new Set(["pending", "processing"]);
const SUBTITLES = /\.(srt|vtt|ass|ssa)$/i;

const viewer = new TranscriptViewer($("player"), $("transcript"));
const chart = new TimingChart($("timing"), { onPlay: (seconds) => { viewer.seek(seconds); $("player").play().catch(() => {}); } });
let openStatus = null;   // the status of the task in the viewer
let listTimer = null;

// header mode: the user id, kept across visits; apikey/jwt: a secret, kept for this tab only.
const TOKEN_MODE = document.body.dataset.auth !== "header";
const storage = TOKEN_MODE ? sessionStorage : localStorage;
const CALLER_KEY = TOKEN_MODE ? "srtmedia.token" : "srtmedia.userId";

function client() {
  const value = $("user-id").value.trim();
  if (!value || !$("user-id").checkValidity()) {
    throw new Error(TOKEN_MODE ? "Enter your API key or access token first (the user id field)."
      : "Enter a user id first: letters, digits, '_', '-', '.' or '@' (up to 64).");
  }
  return new SrtmediaClient({ [TOKEN_MODE ? "token" : "userId"]: value, pollInterval: 1000 });
}

/** A sentence a person can read, from any error (problem+json ones included). */
function readable(error) {
  if (error.name === "AbortError") return null;
  if (!(error instanceof SrtmediaError)) return error.message || String(error);
  const { problem, status, retryAfter } = error;
  const wait = retryAfter ? ` Try again in ${Math.ceil(retryAfter)} s.` : "";
  if (status === 429) return `You already have the maximum number of tasks running (${problem.detail}).${wait}`;
  if (status === 503) return `The server is busy right now.${wait}`;
  if (status === 401) return TOKEN_MODE ? "The API key or token was refused: check it, or get a new one." : "Enter a valid user id.";
  if (status === 400 && /X-User-ID/.test(problem.detail)) return "Enter a valid user id.";
  if (problem.line) return `The subtitle file has a problem at line ${problem.line}: ${problem.detail}`;
  return problem.detail || problem.title || `Request failed (${status}).`;
}

function showError(error) {
  const text = error ? readable(error) : null;
  $("error").textContent = text || "";
  $("error").hidden = !text;
}

function setProgress(prefix, percent) {
  $(`${prefix}-progress`).value = percent;
  $(`${prefix}-percent`).textContent = `${Math.round(percent)} %`;
}

function showStatus(status) {
  $("processing").hidden = false;
  $("stage").textContent = status.stage.replace("_", " ");
  setProgress("task", status.progress);
  $("task-message").textContent = status.status === "failed" ? status.error_message : status.message || "";
}

async function upload(event) {
  event.preventDefault();
  showError(null);
  let api;
  try { api = client(); } catch (error) { return showError(error); }
  $("upload-button").disabled = true;
  $("upload").hidden = false;
  $("processing").hidden = true;
  setProgress("upload", 0);
  try {
    const onUploadProgress = ({ loaded, total }) => total && setProgress("upload", (100 * loaded) / total);
    const created = await api.createTask($("srt-file").files[0], $("media-file").files[0], { onUploadProgress });
    setProgress("upload", 100);
    refreshTasks();
    const envelope = await api.waitForResult(created.task_id, { onProgress: showStatus, retryAfter: 0 });
    await openResult(api, created.task_id, envelope.result);
  } catch (error) {
    showError(error);
  } finally {
    $("upload-button").disabled = false;
    refreshTasks();
  }
}

async function openResult(api, taskId, result) {
  const status = await api.getStatus(taskId);
  openStatus = status;
  $("viewer").hidden = false;
  const count = result.paragraphs.length;
  const name = status.subtitles_name ? `${status.subtitles_name}: ` : "";
  $("viewer-title").textContent = `Transcript: ${name}${count} paragraph${count === 1 ? "" : "s"}`;
  $("download-subtitles").textContent = `Subtitles (.${status.subtitles_format || "srt"})`;
  // The player sends no credentials: it gets the status answer's signed, expiring link.
  viewer.show(result, status.media_url ? api.url(status.media_url) : null);
  chart.show(result, status.summary);
  $("timing-summary").textContent = summaryText(status.summary, result);
}

/** The timing summary in one line under the chart. */
function summaryText(summary, result) {
  if (!summary) return "";
  const sign = (value, digits) => `${value > 0 ? "+" : ""}${value.toFixed(digits)}`;
  const cuts = summary.cuts.map((cut) => `cut at ${clock(cut.at)} (${sign(cut.shift, 1)} s)`);
  return [`offset ${sign(summary.offset, 2)} s`, `speed ratio ${summary.ratio.toFixed(4)}`, ...cuts,
          `${summary.cues_moved} of ${summary.cues} cues moved`, `${summary.cues_not_found} not found in the audio`,
          ...(result.warnings || [])].join(" · ");
}

async function openTask(taskId) {
  showError(null);
  try {
    const api = client();
    await openResult(api, taskId, (await api.getResult(taskId)).result);
  } catch (error) { showError(error); }
}

/** Save a result as a file named after the uploaded subtitles; "subtitles" = the uploaded format. */
async function download(task, format) {
  try {
    const api = client();
    const body = await api.getResult(task.task_id, format);
    const text = format === "json" ? JSON.stringify(body.result, null, 2) : body;
    const extension = format === "subtitles" ? task.subtitles_format || "srt" : format;
    const stem = (task.subtitles_name || "").replace(/\.[^.]*$/, "") || "transcript";
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/octet-stream" }));
    link.download = `${stem}.${extension}`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (error) { showError(error); }
}

function button(text, label, onClick, className = "secondary") {
  const element = Object.assign(document.createElement("button"), { textContent: text, className });
  element.setAttribute("aria-label", label);
  element.addEventListener("click", onClick);
  return element;
}

function cell(text, className = "", header = "") {
  const element = Object.assign(document.createElement("td"), { textContent: text, className });
  if (header) element.dataset.label = header;   // shown before the value at phone width
  return element;
}

/** One row of "My tasks". Names are the client's and go in as text only, never as markup. */
function taskRow(task) {
  const row = document.createElement("tr");
  row.dataset.taskId = task.task_id;
  const title = task.subtitles_name || "subtitles";
  const files = cell("", "files", "Files");
  files.append(Object.assign(document.createElement("span"), { className: "name", textContent: title }),
    Object.assign(document.createElement("span"), { className: "media-name", textContent: task.media_name || "" }),
    Object.assign(document.createElement("span"), { className: "created",
      textContent: new Date(task.created_at).toLocaleString() }));
  const active = ACTIVE.has(task.status);
  const state = cell(active ? `${task.stage.replace("_", " ")} ${task.progress} %` : task.status,
    `state state-${task.status}`, "State");
  if (task.status === "failed") state.title = task.error_message || "";
  const actions = cell("", "actions");
  if (active) actions.append(button("Cancel", `Cancel ${title}`, () => remove(task.task_id)));
  if (task.status === "completed") {
    actions.append(button("Open", `Open ${title}`, () => openTask(task.task_id), ""),
      button("Download", `Download corrected ${title}`, () => download(task, "subtitles")));
  }
  if (!active) actions.append(confirmingButton("Delete", `Delete ${title}`, () => remove(task.task_id)));
  row.append(files, cell(task.media_duration ? clock(task.media_duration, false) : "—", "", "Length"),
    cell(task.language || "—", "", "Language"), state, actions);
  return row;
}

/** A button that asks once more ("Delete?") before it acts; focus or a pointer leaving resets it. */
function confirmingButton(text, label, onConfirm) {
  const element = button(text, label, () => {
    if (element.dataset.armed) return onConfirm();
    element.dataset.armed = "1";
    element.textContent = `Confirm ${text.toLowerCase()}`;
    element.setAttribute("aria-label", `${label}: press again to confirm`);
  }, "secondary danger");
  element.addEventListener("blur", () => {
    delete element.dataset.armed;
    element.textContent = text;
    element.setAttribute("aria-label", label);
  });
  return element;
}

/** Cancel an active task, or delete a finished one's files and drop it from the list. */
async function remove(taskId) {
  try {
    await client().cancelTask(taskId);
    if (openStatus?.task_id === taskId) $("viewer").hidden = true;
  } catch (error) { showError(error); }
  refreshTasks();
}

/** Dropped files go to the subtitle or media input by their names. */
function acceptDrop(event) {
  event.preventDefault();
  $("drop-zone").classList.remove("dragging");
  const files = [...(event.dataTransfer?.files || [])];
  for (const [input, wanted] of [["srt-file", true], ["media-file", false]]) {
    const file = files.find((f) => SUBTITLES.test(f.name) === wanted);
    if (!file) continue;
    const transfer = new DataTransfer();
    transfer.items.add(file);
    $(input).files = transfer.files;
  }
}

async function refreshTasks() {
  clearTimeout(listTimer);
  let tasks = [];
  try {
    const mine = await client().getUserTasks({ includeCompleted: true, limit: 20 });
    tasks = [...mine.active_tasks, ...mine.completed_tasks];
  } catch (error) {
    if (!(error instanceof Error && /first/.test(error.message))) showError(error);
  }
  $("tasks").tBodies[0].replaceChildren(...tasks.map(taskRow));
  $("no-tasks").hidden = tasks.length > 0;
  if (tasks.some((task) => ACTIVE.has(task.status))) listTimer = setTimeout(refreshTasks, LIST_REFRESH_MS);
}

function start() {
  $("user-id").value = storage.getItem(CALLER_KEY) || "";
  $("user-id").addEventListener("change", () => {
    storage.setItem(CALLER_KEY, $("user-id").value.trim());
    showError(null);
    refreshTasks();
  });
  $("upload-form").addEventListener("submit", upload);
  $("downloads").addEventListener("click", (event) => {
    if (event.target.dataset.format && openStatus) download(openStatus, event.target.dataset.format);
  });
  const zone = $("drop-zone");
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("dragging"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", acceptDrop);
  // A file dropped beside the zone would make the browser leave the page for it.
  for (const type of ["dragover", "drop"]) window.addEventListener(type, (event) => event.preventDefault());
  refreshTasks();
}

start();
