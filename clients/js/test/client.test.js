// SrtmediaClient against a real service (redis-server, gunicorn, RQ workers; scripted pipeline).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { SrtmediaClient, SrtmediaError, parseRetryAfter } from "../srtmedia.js";
import { scriptedSrt, silentWav, startService, uniqueUser } from "../testkit/support.js";

let service;
before(async () => { service = await startService({ settings: { MAX_CONCURRENT_TASKS_PER_USER: 2 } }); });
after(async () => { await service?.stop(); });

const clientFor = (prefix, options = {}) =>
  new SrtmediaClient({ baseUrl: service.baseUrl, userId: uniqueUser(prefix), pollInterval: 100, ...options });
const wav = () => new Blob([silentWav()], { type: "audio/wav" });

test("create, wait with progress, and read every export", async () => {
  const client = clientFor("happy");
  const created = await client.createTask(scriptedSrt("SLEEP 0.6"), wav(), { textEngine: "builtin", language: "en" });
  assert.equal(created.status, "pending");
  assert.equal(created.location, `/tasks/${created.task_id}/status`);
  assert.ok(created.retryAfter > 0);
  const seen = [];
  const envelope = await client.waitForResult(created.task_id, { onProgress: (s) => seen.push(s), retryAfter: 0 });
  assert.equal(envelope.status, "completed");
  assert.equal(envelope.result.paragraphs[0].text, "SLEEP 0.6");
  assert.equal(seen.at(-1).status, "completed");
  const progress = seen.map((s) => s.progress);
  assert.deepEqual(progress, [...progress].sort((a, b) => a - b), "progress never goes backwards");
  assert.match(await client.getResult(created.task_id, "srt"), /00:00:01,000 --> 00:00:02,000/);
  assert.match(await client.getResult(created.task_id, "vtt"), /^WEBVTT/);
  assert.match(await client.getResult(created.task_id, "txt"), /Line number two\./);
  assert.ok((await client.getResult(created.task_id, "md")).length > 0);
  const mine = await client.getUserTasks();
  assert.deepEqual(mine.completed_tasks.map((t) => t.task_id), [created.task_id]);
});

test("a malformed SRT rejects with the problem body", async () => {
  const error = await clientFor("badsrt").createTask("this is not an SRT file", wav()).catch((e) => e);
  assert.ok(error instanceof SrtmediaError);
  assert.equal(error.status, 400);
  assert.match(error.problem.detail, /Malformed SRT/);
  assert.equal(typeof error.problem.line, "number");
});

test("a failed task rejects waitForResult with its error message", async () => {
  const client = clientFor("fail");
  const { task_id } = await client.createTask(scriptedSrt("FAIL"), wav());
  const error = await client.waitForResult(task_id).catch((e) => e);
  assert.ok(error instanceof SrtmediaError);
  assert.equal(error.problem.task_status, "failed");
  assert.match(error.message, /no audio stream/);
  const problem = await client.getResult(task_id).catch((e) => e);
  assert.equal(problem.status, 409);
});

test("the user limit answers 429 with Retry-After; cancelling frees the slot", async () => {
  const client = clientFor("limit");
  const first = await client.createTask(scriptedSrt("SLEEP 30"), wav());
  const second = await client.createTask(scriptedSrt("SLEEP 30"), wav());
  const error = await client.createTask(scriptedSrt(), wav()).catch((e) => e);
  assert.equal(error.status, 429);
  assert.ok(error.retryAfter > 0);
  assert.match(error.problem.detail, /Maximum 2 concurrent tasks/);
  assert.equal((await client.getUserTasks()).total_active, 2);
  assert.equal((await client.cancelTask(first.task_id)).status, "cancelled");
  await client.cancelTask(second.task_id);
  const cancelled = await client.waitForResult(second.task_id).catch((e) => e);
  assert.equal(cancelled.problem.task_status, "cancelled");
  assert.equal((await client.createTask(scriptedSrt(), wav())).status, "pending");
});

test("waitForResult stops when its signal aborts", async () => {
  const client = clientFor("abort");
  const { task_id } = await client.createTask(scriptedSrt("SLEEP 30"), wav());
  const started = Date.now();
  const error = await client.waitForResult(task_id, { signal: AbortSignal.timeout(400) }).catch((e) => e);
  assert.equal(error.name, "TimeoutError");
  assert.ok(Date.now() - started < 3000);
  await client.cancelTask(task_id);
});

test("waitForResult backs off on 503 and 429 and honours Retry-After", async () => {
  const refusals = [[503, "1"], [429, null]];
  const calls = [];
  const flaky = async (url, init) => {
    calls.push(Date.now());
    if (url.endsWith("/status") && refusals.length) {
      const [status, retryAfter] = refusals.shift();
      const headers = { "Content-Type": "application/problem+json", ...(retryAfter && { "Retry-After": retryAfter }) };
      return new Response(JSON.stringify({ type: "about:blank", title: "Busy", status, detail: "busy" }), { status, headers });
    }
    return fetch(url, init);
  };
  const client = clientFor("backoff", { fetch: flaky });
  const { task_id } = await client.createTask(scriptedSrt(), wav());
  const envelope = await client.waitForResult(task_id, { interval: 150 });
  assert.equal(envelope.status, "completed");
  assert.ok(calls[2] - calls[1] >= 950, "waited the 1 s Retry-After of the 503");
  assert.ok(calls[3] - calls[2] >= 550, "backed off twice the interval after the 429 without Retry-After");
});

test("the identity is required and errors without a JSON body still read well", async () => {
  assert.throws(() => new SrtmediaClient({ baseUrl: service.baseUrl }), TypeError);
  assert.equal(parseRetryAfter("7"), 7);
  assert.equal(parseRetryAfter(null), null);
  const html = async () => new Response("<h1>Bad gateway</h1>", { status: 502, statusText: "Bad Gateway" });
  const error = await clientFor("proxy", { fetch: html }).getStatus("x").catch((e) => e);
  assert.equal(error.status, 502);
  assert.equal(error.problem.title, "Bad Gateway");
});
