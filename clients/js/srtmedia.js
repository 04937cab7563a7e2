// srtmedia client: an ES module with no dependencies, for browsers and Node >= 18.
// The web page at / loads this same file from /static/srtmedia-client.js.

const FINAL = new Set(["completed", "failed", "cancelled"]);
const BACK_OFF = new Set([429, 503]);
const MAX_BACK_OFF_MS = 60_000;

/** An error answer of the API (or a task that ended without a result); `problem` is its problem+json body. */
export class SrtmediaError extends Error {
  constructor(problem, { status = problem.status, retryAfter = null } = {}) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = "SrtmediaError";
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

/** Seconds of a Retry-After header (delta-seconds or HTTP date), or null. */
export function parseRetryAfter(value) {
  if (value == null || value === "") return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(seconds, 0);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max((date - Date.now()) / 1000, 0);
}

/** Resolve after `ms`, or reject with the signal's reason when it aborts first. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = () => { signal?.removeEventListener("abort", abort); resolve(); };
    const timer = setTimeout(done, ms);
    const abort = () => { clearTimeout(timer); reject(signal.reason); };
    signal?.addEventListener("abort", abort, { once: true });
  });
}

async function problemOf(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    if (body && typeof body === "object") return { status: response.status, ...body };
  } catch { /* not JSON: a proxy's page, say */ }
  return { type: "about:blank", title: response.statusText || "Error", status: response.status,
           detail: text.slice(0, 500) || `HTTP ${response.status}` };
}

function asBlob(file) {
  return typeof Blob !== "undefined" && file instanceof Blob ? file : new Blob([file]);
}

function headersOf(xhr) {
  const headers = new Headers();
  for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
    const at = line.indexOf(":");
    if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return headers;
}

// fetch cannot report upload progress; XMLHttpRequest can, where it exists.
function xhrSend(method, url, { headers, body, signal, onUploadProgress }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onUploadProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : null });
    xhr.onload = () => resolve(new Response(xhr.responseText, { status: xhr.status, headers: headersOf(xhr) }));
    xhr.onerror = () => reject(new TypeError("Network error while uploading"));
    const abort = () => { xhr.abort(); reject(signal.reason); };
    if (signal?.aborted) return abort();
    signal?.addEventListener("abort", abort, { once: true });
    xhr.send(body);
  });
}

export class SrtmediaClient {
  /**
   * @param {{baseUrl?: string, userId?: string, token?: string, fetch?: typeof fetch, pollInterval?: number}} options
   * userId: sent as X-User-ID (SRTMEDIA_AUTH=header, behind a trusted gateway);
   * token: an API key or JWT sent as Authorization: Bearer (SRTMEDIA_AUTH=apikey|jwt). One of the two.
   * pollInterval: ms between status polls when the server gives no Retry-After (default 2000).
   */
  constructor({ baseUrl = "", userId, token, fetch: fetchImpl, pollInterval = 2000 } = {}) {
    if (!userId === !token) throw new TypeError("give either userId (sent as X-User-ID) or token (sent as Bearer)");
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.userId = userId || null;
    this.token = token || null;
    this.pollInterval = pollInterval;
    this._fetch = fetchImpl || globalThis.fetch.bind(globalThis);
  }

  /** The headers that say who is calling. */
  credentials() {
    return this.token ? { Authorization: `Bearer ${this.token}` } : { "X-User-ID": this.userId };
  }

  url(path) {
    return this.baseUrl + path;
  }

  taskPath(taskId, tail = "") {
    return `/tasks/${encodeURIComponent(taskId)}${tail}`;
  }

  /**
   * The media URL for a player (which cannot send headers, so the user goes in the query).
   * Header mode only; with a token use mediaLink(), which works in every mode.
   */
  mediaUrl(taskId) {
    if (!this.userId) throw new TypeError("mediaUrl() needs userId; with a token use mediaLink()");
    return this.url(`${this.taskPath(taskId, "/media")}?user_id=${encodeURIComponent(this.userId)}`);
  }

  /** A signed, expiring media URL for a player, from the task's status; null once the files are deleted. */
  async mediaLink(taskId, { signal } = {}) {
    const { media_url: link } = await this.getStatus(taskId, { signal });
    return link ? this.url(link) : null;
  }

  /** The answer to a request; rejects with SrtmediaError on any status >= 400. */
  async request(method, path, { headers = {}, body, signal, onUploadProgress } = {}) {
    const init = { headers: { ...this.credentials(), ...headers }, body, signal, onUploadProgress };
    const response = onUploadProgress && typeof XMLHttpRequest !== "undefined"
      ? await xhrSend(method, this.url(path), init)
      : await this._fetch(this.url(path), { method, headers: init.headers, body, signal });
    if (response.status >= 400) {
      const retryAfter = parseRetryAfter(response.headers.get("Retry-After"));
      throw new SrtmediaError(await problemOf(response), { status: response.status, retryAfter });
    }
    return response;
  }

  /**
   * Upload the subtitles and media; resolves with {task_id, status, message, location, retryAfter}.
   * options: textEngine, language, wordTiming, idempotencyKey, signal, onUploadProgress({loaded, total}).
   */
  async createTask(srtFile, mediaFile, options = {}) {
    const form = new FormData();
    form.append("srt_file", asBlob(srtFile), srtFile?.name || "subtitles.srt");
    form.append("media_file", asBlob(mediaFile), mediaFile?.name || "media");
    const fields = { text_engine: options.textEngine, language: options.language, word_timing: options.wordTiming };
    for (const [name, value] of Object.entries(fields)) {
      if (value !== undefined && value !== null) form.append(name, String(value));
    }
    const headers = options.idempotencyKey ? { "Idempotency-Key": options.idempotencyKey } : {};
    const response = await this.request("POST", "/process/srt_media/", {
      headers, body: form, signal: options.signal, onUploadProgress: options.onUploadProgress,
    });
    return { ...(await response.json()), location: response.headers.get("Location"),
             retryAfter: parseRetryAfter(response.headers.get("Retry-After")) };
  }

  /** The task's status record: {task_id, status, stage, progress, message, error_message?, ...}. */
  async getStatus(taskId, { signal } = {}) {
    return (await this.request("GET", this.taskPath(taskId, "/status"), { signal })).json();
  }

  /** The result: the JSON envelope {task_id, status, result} for "json", else the export's text. */
  async getResult(taskId, format = "json", { signal } = {}) {
    const response = await this.request("GET", `${this.taskPath(taskId, "/result")}?format=${format}`, { signal });
    return format === "json" ? response.json() : response.text();
  }

  /** The caller's tasks: {active_tasks, completed_tasks, total_active, total_completed, next_cursor}. */
  async getUserTasks({ includeCompleted = true, limit, cursor, signal } = {}) {
    const query = new URLSearchParams({ include_completed: String(includeCompleted) });
    if (limit) query.set("limit", String(limit));
    if (cursor) query.set("cursor", cursor);
    return (await this.request("GET", `/users/me/tasks?${query}`, { signal })).json();
  }

  /** Cancel an active task, or delete a finished task's files; resolves with its status record. */
  async cancelTask(taskId, { signal } = {}) {
    return (await this.request("DELETE", this.taskPath(taskId), { signal })).json();
  }

  /**
   * Poll until the task ends; resolves with the result envelope, rejects with SrtmediaError
   * (a failed or cancelled task included) or with the signal's reason.
   * Waits Retry-After when the server sends it, and backs off on 429 and 503.
   */
  async waitForResult(taskId, { onProgress, signal, interval = this.pollInterval, retryAfter } = {}) {
    let delayMs = retryAfter != null ? retryAfter * 1000 : 0;
    let busy = 0;
    for (;;) {
      await sleep(delayMs, signal);
      let status, response;
      try {
        response = await this.request("GET", this.taskPath(taskId, "/status"), { signal });
        status = await response.json();
        busy = 0;
      } catch (error) {
        if (!(error instanceof SrtmediaError) || !BACK_OFF.has(error.status)) throw error;
        busy += 1;
        delayMs = Math.min(error.retryAfter != null ? error.retryAfter * 1000 : interval * 2 ** busy,
                           MAX_BACK_OFF_MS);
        continue;
      }
      onProgress?.(status);
      if (FINAL.has(status.status)) return this._finalResult(status, signal);
      const hint = parseRetryAfter(response.headers.get("Retry-After"));
      delayMs = hint != null ? hint * 1000 : interval;
    }
  }

  async _finalResult(status, signal) {
    if (status.status === "completed") return this.getResult(status.task_id, "json", { signal });
    const failed = status.status === "failed";
    throw new SrtmediaError({
      type: "about:blank", title: failed ? "Processing failed" : "Task cancelled", status: failed ? 422 : 409,
      detail: status.error_message || status.message || `The task was ${status.status}.`,
      task_id: status.task_id, task_status: status.status, error_code: status.error_code,
    });
  }
}
