// Smoke test of a running `srtmedia serve`: health, readiness, the dashboard,
// and one real task (a LibriVox reading with late subtitles) end to end
// through the project's own JavaScript client class.
//   node .ci/smoke.mjs BASE_URL SUBTITLES MEDIA
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";

import { SrtmediaClient } from "../clients/js/srtmedia.js";

const [baseUrl, subtitlesPath, mediaPath] = process.argv.slice(2);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(path, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await fetch(baseUrl + path).catch((error) => ({ ok: false, status: String(error.cause ?? error) }));
    if (answer.ok) return answer.json();
    if (Date.now() > deadline) throw new Error(`${path} never answered 200 (last: ${answer.status})`);
    await sleep(250);
  }
}

const started = Date.now();
console.log("smoke: /healthz", await until("/healthz", 60_000));
console.log("smoke: /readyz", await until("/readyz", 60_000));

const admin = { Authorization: `Basic ${Buffer.from(`admin:${process.env.SRTMEDIA_ADMIN_PASSWORD}`).toString("base64")}` };
const dashboard = await fetch(`${baseUrl}/rq/`, { headers: admin });
assert.equal(dashboard.status, 200, "rq-dashboard answers at /rq");

const client = new SrtmediaClient({ baseUrl, userId: "smoke", pollInterval: 500 });
const subtitles = new File([await readFile(subtitlesPath)], basename(subtitlesPath));
const media = new File([await readFile(mediaPath)], basename(mediaPath));
const created = await client.createTask(subtitles, media);
assert.equal(created.status, "pending");
const stages = new Set();
const envelope = await client.waitForResult(created.task_id, { onProgress: (s) => stages.add(s.stage) });
assert.equal(envelope.status, "completed", JSON.stringify(envelope));
const { result } = envelope;
assert.ok(result.paragraphs.length > 0 && result.cues.length > 0, "a transcript came back");
assert.ok(result.cues.every((cue) => cue.found), "every cue was found in the speech");
// The subtitles are 1.2 s late (tests/data/speech/README.md): the service must have moved them.
assert.ok(Math.abs(result.timing.offset - -1.2) < 0.3, `offset ${result.timing.offset}, expected -1.2`);
assert.match(await client.getResult(created.task_id, "srt"), /-->/);
// rq-dashboard reads rq's own records: its JSON shows our workers and the queue the task went through.
const dashboardJson = async (path) => (await fetch(`${baseUrl}/rq/0/data/${path}`, { headers: admin })).json();
assert.ok((await dashboardJson("workers.json")).workers.length >= 1, "rq-dashboard lists the workers");
assert.ok((await dashboardJson("queues.json")).queues.some((q) => q.name === "srtmedia"), "and the queue");
console.log(`smoke: task ${created.task_id} completed through ${[...stages].join(", ")};`,
  `offset ${result.timing.offset} s; ${((Date.now() - started) / 1000).toFixed(1)} s from start`);
