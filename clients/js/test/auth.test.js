// SrtmediaClient with a bearer token against a service in SRTMEDIA_AUTH=jwt mode.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { SrtmediaClient, SrtmediaError } from "../srtmedia.js";
import { jwtFor, scriptedSrt, silentWav, startService, uniqueUser } from "../testkit/support.js";

const SECRET = "js-client-test-secret-".padEnd(48, "x");
let service;
before(async () => { service = await startService({ settings: { SRTMEDIA_AUTH: "jwt", SRTMEDIA_JWT_SECRET: SECRET } }); });
after(async () => { await service?.stop(); });

const jwt = (sub, secret = SECRET) => jwtFor(sub, secret);

const wav = () => new Blob([silentWav()], { type: "audio/wav" });

test("a token client submits, waits and reads as the token's user", async () => {
  const user = uniqueUser("tok");
  const client = new SrtmediaClient({ baseUrl: service.baseUrl, token: jwt(user), pollInterval: 100 });
  const { task_id } = await client.createTask(scriptedSrt(), wav());
  assert.ok(task_id.startsWith(`${user}:`));
  assert.equal((await client.waitForResult(task_id, { retryAfter: 0 })).status, "completed");
  assert.deepEqual((await client.getUserTasks()).completed_tasks.map((t) => t.task_id), [task_id]);
});

test("mediaLink gives a URL a player can load without credentials, for that task only", async () => {
  const client = new SrtmediaClient({ baseUrl: service.baseUrl, token: jwt(uniqueUser("media")) });
  const { task_id } = await client.createTask(scriptedSrt(), wav());
  const link = await client.mediaLink(task_id);
  const played = await fetch(link, { headers: { Range: "bytes=0-3" } });
  assert.equal(played.status, 206);
  assert.equal(Buffer.from(await played.arrayBuffer()).toString("latin1"), "RIFF");
  const other = (await client.createTask(scriptedSrt(), wav())).task_id;
  assert.equal((await fetch(link.replace(task_id, other))).status, 403);
  assert.throws(() => client.mediaUrl(task_id), TypeError);
});

test("without a valid token the API answers 401 with a Bearer challenge", async () => {
  for (const client of [
    new SrtmediaClient({ baseUrl: service.baseUrl, userId: uniqueUser("hdr") }),
    new SrtmediaClient({ baseUrl: service.baseUrl, token: jwt("mallory", "a-different-secret-of-enough-length-xxxxxxxxxx") }),
  ]) {
    const error = await client.getUserTasks().catch((e) => e);
    assert.ok(error instanceof SrtmediaError);
    assert.equal(error.status, 401);
  }
  assert.throws(() => new SrtmediaClient({ userId: "a", token: "b" }), TypeError);
});
