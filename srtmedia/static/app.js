// The web page: upload, follow the task live, list my tasks, read the transcript beside the media.
import { SrtmediaClient, SrtmediaError } from "/static/srtmedia-client.js";
import { TranscriptViewer } from "/static/viewer.js";

const $ = (id) => document.getElementById(id);
const LIST_REFRESH_MS = 3000;
const ACTIVE = new Set(["pending", "processing"]);

const viewer = new TranscriptViewer($("player"), $("transcript"));
let openTaskId = null;
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
  openTaskId = taskId;
  $("viewer").hidden = false;
  const count = result.paragraphs.length;
  $("viewer-title").textContent = `Transcript: ${count} paragraph${count === 1 ? "" : "s"}`;
  // The player sends no credentials: it gets the status answer's signed, expiring link.
  viewer.show(result, await api.mediaLink(taskId));
}

async function openTask(taskId) {
  showError(null);
  try {
    const api = client();
    await openResult(api, taskId, (await api.getResult(taskId)).result);
  } catch (error) { showError(error); }
}

async function download(format) {
  if (!openTaskId) return;
  try {
    const api = client();
    const body = await api.getResult(openTaskId, format);
    const text = format === "json" ? JSON.stringify(body.result, null, 2) : body;
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/octet-stream" }));
    link.download = `transcript.${format}`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (error) { showError(error); }
}

function button(text, onClick, secondary = true) {
  const element = document.createElement("button");
  element.textContent = text;
  element.className = secondary ? "secondary" : "";
  element.addEventListener("click", onClick);
  return element;
}

function taskRow(task) {
  const row = document.createElement("tr");
  row.dataset.taskId = task.task_id;
  const cells = [new Date(task.created_at).toLocaleString(), task.status, `${task.progress} %`]
    .map((text) => Object.assign(document.createElement("td"), { textContent: text }));
  cells[1].className = `state state-${task.status}`;
  if (task.status === "failed") cells[1].title = task.error_message || "";
  const actions = document.createElement("td");
  if (ACTIVE.has(task.status)) actions.append(button("Cancel", () => cancel(task.task_id)));
  if (task.status === "completed") actions.append(button("Open", () => openTask(task.task_id)));
  row.append(...cells, actions);
  return row;
}

async function cancel(taskId) {
  try {
    await client().cancelTask(taskId);
  } catch (error) { showError(error); }
  refreshTasks();
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
    if (event.target.dataset.format) download(event.target.dataset.format);
  });
  refreshTasks();
}

start();
