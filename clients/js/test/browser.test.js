// The web page in headless Chromium against a real service running the real pipeline.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { ARTIFACTS, openPage as signedIn, pageTestbed } from "../testkit/browser.js";
import { jwtFor, scriptedSrt, silentWav, startService, uniqueUser } from "../testkit/support.js";

let testbed, service, browser, talk;
before(async () => ({ service, browser, talk } = testbed = await pageTestbed()));
after(() => testbed?.close());

const openPage = (user, baseUrl = service.baseUrl) => signedIn(browser, baseUrl, user);

test("upload a recording, watch it finish, click a paragraph and the player seeks", { timeout: 240_000 }, async () => {
  const user = uniqueUser("browser");
  const { page, failures } = await openPage(user);
  await page.setInputFiles("#srt-file", talk.srt);
  await page.setInputFiles("#media-file", talk.wav);
  await page.click("#upload-button");
  await page.waitForFunction(() => document.querySelector("#upload-percent").textContent === "100 %");
  await page.waitForSelector("#processing:not([hidden])");
  await page.screenshot({ path: join(ARTIFACTS, "page-processing.png"), fullPage: true });
  await page.waitForSelector("#viewer:not([hidden]) #transcript p", { timeout: 200_000 });
  assert.match(await page.textContent("#transcript"), /welcome to the course/);
  assert.equal(await page.getAttribute(`#tasks tr[data-task-id^="${user}:"] .state`, "class"), "state state-completed");

  await page.waitForFunction(() => document.querySelector("#player").readyState >= 1);
  // Sentences seek to themselves; the paragraph holding them lights up.
  const sentence = page.locator("#transcript .sentence").last();
  const start = Number(await sentence.getAttribute("data-start"));
  assert.ok(start > 3, `the last sentence starts at ${start}`);
  await sentence.click();
  const time = await page.evaluate(() => document.querySelector("#player").currentTime);
  assert.ok(Math.abs(time - start) < 0.3, `player at ${time}, sentence starts at ${start}`);
  const speaking = page.locator("#transcript p.speaking");
  assert.equal(await speaking.count(), 1);
  assert.ok(Number(await speaking.getAttribute("data-start")) <= start);

  const download = page.waitForEvent("download");
  await page.click('#downloads button[data-format="srt"]');
  assert.equal((await download).suggestedFilename(), "talk.srt");  // named after the upload
  await page.screenshot({ path: join(ARTIFACTS, "page-transcript.png"), fullPage: true });
  assert.deepEqual(failures, []);
  await page.close();
});

test("a malformed SRT shows a readable message, not JSON", async () => {
  const { page, failures } = await openPage(uniqueUser("badsrt"));
  await page.setInputFiles("#srt-file", { name: "bad.srt", mimeType: "text/plain", buffer: Buffer.from("not subtitles") });
  await page.setInputFiles("#media-file", talk.wav);
  await page.click("#upload-button");
  const error = page.locator("#error");
  await error.waitFor({ state: "visible" });
  const text = await error.textContent();
  assert.match(text, /subtitle file has a problem at line \d+/);
  assert.doesNotMatch(text, /[{}"]/);
  await page.screenshot({ path: join(ARTIFACTS, "page-bad-srt.png"), fullPage: true });
  assert.deepEqual(failures, []);
  await page.close();
});

test("with SRTMEDIA_AUTH=jwt the page asks for a token and plays the media through a signed link", async () => {
  const secret = "browser-test-secret-".padEnd(48, "x");
  const tokenService = await startService({ settings: { SRTMEDIA_AUTH: "jwt", SRTMEDIA_JWT_SECRET: secret } });
  try {
    const folder = mkdtempSync(join(tmpdir(), "srtmedia-token-"));
    writeFileSync(join(folder, "talk.srt"), scriptedSrt());
    writeFileSync(join(folder, "talk.wav"), silentWav(4));
    const user = uniqueUser("token");
    const { page, failures } = await openPage(jwtFor(user, secret), tokenService.baseUrl);
    assert.match(await page.textContent("label.user"), /access token/);
    assert.equal(await page.getAttribute("#user-id", "type"), "password");
    await page.setInputFiles("#srt-file", join(folder, "talk.srt"));
    await page.setInputFiles("#media-file", join(folder, "talk.wav"));
    await page.click("#upload-button");
    await page.waitForSelector("#viewer:not([hidden]) #transcript p", { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector("#player").readyState >= 1);
    assert.match(await page.getAttribute("#player", "src"), /\/media\?expires=\d+&sig=/);
    assert.equal(await page.locator(`#tasks tr[data-task-id^="${user}:"]`).count(), 1);
    // A token stays in this tab only.
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.deepEqual(failures, []);
    await page.close();
  } finally {
    await tokenService.stop();
  }
});
