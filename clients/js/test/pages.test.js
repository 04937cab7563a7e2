// What the page shows of a finished task (issue 13): the timing chart, "My tasks" with the uploaded
// file names and their actions, ASS in and out, drag-and-drop, keyboard and phone width.
// Real pipeline, real service, headless Chromium; screenshots go to test-artifacts/.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { after, before, test } from "node:test";

import { ARTIFACTS, openPage, pageTestbed } from "../testkit/browser.js";
import { scriptedSrt, silentWav, startService, uniqueUser } from "../testkit/support.js";

const HOSTILE_NAME = "<img src=x onerror=window.pwned=1> cut talk.srt";

let testbed, service, browser, talk;
before(async () => ({ service, browser, talk } = testbed = await pageTestbed()));
after(() => testbed?.close());

/** Drop files on `selector` as a person dragging them from a file manager would. */
async function dropFiles(page, selector, files) {
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const { name, type, base64 } of list) {
      dt.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type }));
    }
    return dt;
  }, files.map(({ path, name, type }) => ({ name: name || basename(path), type, base64: readFileSync(path).toString("base64") })));
  await page.dispatchEvent(selector, "drop", { dataTransfer: transfer });
}

async function playerTime(page) {
  await page.waitForFunction(() => document.querySelector("#player").readyState >= 1);
  return page.evaluate(() => document.querySelector("#player").currentTime);
}

test("a cut case dropped on the page: the timing chart shows the cut where it is, cues answer hover, keys and clicks",
  { timeout: 240_000 }, async () => {
    const user = uniqueUser("chart");
    const { page, failures } = await openPage(browser, service.baseUrl, user);
    await dropFiles(page, "#drop-zone", [{ path: talk.cut_wav, type: "audio/wav" },
                                         { path: talk.cut_srt, name: HOSTILE_NAME, type: "application/x-subrip" }]);
    assert.equal(await page.evaluate(() => document.querySelector("#srt-file").files[0].name), HOSTILE_NAME);
    assert.equal(await page.evaluate(() => document.querySelector("#media-file").files[0].name), "cut.wav");
    await page.click("#upload-button");
    const chart = page.locator("#timing svg.timing-chart");
    await page.waitForSelector("#viewer:not([hidden]) #timing svg .cut", { state: "attached", timeout: 200_000 });

    // The picture is an image to assistive technology, and its sentence names the cut.
    assert.equal(await chart.getAttribute("role"), "img");
    const label = await chart.getAttribute("aria-label");
    const cut = label.match(/cuts (\d+):(\d\d\.\d) \(\+(\d+\.\d) s\)/);
    assert.ok(cut, label);
    assert.match(label, /^Timing chart: shift applied to each of 7 cues/);
    assert.match(label, /, 1 cue not found in the audio\.$/);
    assert.equal(await page.locator("#timing svg .cue.missing").count(), 1);
    const at = Number(cut[1]) * 60 + Number(cut[2]);
    assert.ok(Math.abs(at - talk.cut_at) < 1.0, `cut drawn at ${at} s, the break starts at ${talk.cut_at} s`);
    assert.ok(Math.abs(Number(cut[3]) - talk.break) < 0.3, `cut of ${cut[3]} s, the break lasts ${talk.break} s`);
    assert.match(await page.textContent("#timing-summary"), /cut at 0:\d\d\.\d \(\+6\.\d s\)/);
    // The dashed line stands where the label says, across the chart.
    const { lineX, width } = await page.evaluate(() => {
      const svg = document.querySelector("#timing svg");
      return { lineX: Number(svg.querySelector(".cut").getAttribute("x1")), width: svg.viewBox.baseVal.width };
    });
    assert.ok(lineX > width * 0.2 && lineX < width * 0.6, `cut line at x=${lineX} of ${width}`);
    assert.equal(await page.locator("#timing svg .speech").count() > 0, true);

    // Hover: text and old -> new time of the cue under the pointer.
    const marker = page.locator("#timing svg .cue").nth(4);
    await marker.hover();
    const tip = page.locator("#timing .chart-tip");
    await tip.waitFor({ state: "visible" });
    assert.match(await tip.textContent(), /^Our job is to find where each word is really spoken\.\d:\d\d\.\d → \d:\d\d\.\d \(\+\d\.\d\d s\)$/);
    await page.screenshot({ path: join(ARTIFACTS, "page-timing-chart.png"), fullPage: true });

    // Click: the player goes to that cue.
    await marker.click();
    const row = page.locator(`#tasks tr[data-task-id^="${user}:"]`);
    const result = await page.evaluate(async ([taskId, owner]) => (await (await fetch(`/tasks/${taskId}/result`,
      { headers: { "X-User-ID": owner } })).json()).result, [await row.getAttribute("data-task-id"), user]);
    assert.ok(Math.abs((await playerTime(page)) - result.cues[4].start) < 0.3);

    // Keyboard: the chart takes focus, arrows move between cues, Enter plays.
    await chart.focus();
    await page.keyboard.press("End");
    assert.match(await tip.textContent(), /^Then we can publish a transcript that people can read\./);
    await page.keyboard.press("ArrowLeft");
    assert.match(await tip.textContent(), /^Nobody ever says these seven words aloud\..*· not found in the audio$/);
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("Enter");
    assert.ok(Math.abs((await playerTime(page)) - result.cues[4].start) < 0.3);
    await page.screenshot({ path: join(ARTIFACTS, "page-timing-chart-keyboard.png"), fullPage: true });

    // "My tasks": the file names as text (never markup), length, language, state, actions.
    assert.equal(await row.locator(".name").textContent(), HOSTILE_NAME);
    assert.equal(await row.locator(".media-name").textContent(), "cut.wav");
    assert.equal(await page.locator("#tasks img").count(), 0);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    const cells = await row.locator("td").allTextContents();
    assert.match(cells[1], /^0:2\d$/);
    assert.deepEqual(cells.slice(2, 4), ["en", "completed"]);
    assert.deepEqual(await row.locator("button").allTextContents(), ["Open", "Download", "Delete"]);
    await page.locator("#tasks").screenshot({ path: join(ARTIFACTS, "page-my-tasks.png") });

    // At phone width the chart redraws to the screen and nothing scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => document.querySelector("#timing svg").viewBox.baseVal.width <= 390);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    await page.screenshot({ path: join(ARTIFACTS, "page-phone-chart.png"), fullPage: true });
    assert.deepEqual(failures, []);
    await page.close();
  });

test("an .ass upload comes back as .ass with its styles and positions", { timeout: 240_000 }, async () => {
  const user = uniqueUser("ass");
  const { page, failures } = await openPage(browser, service.baseUrl, user);
  await page.setInputFiles("#srt-file", talk.ass);
  await page.setInputFiles("#media-file", talk.wav);
  await page.click("#upload-button");
  await page.waitForSelector("#viewer:not([hidden]) #timing svg .cue", { timeout: 200_000 });
  assert.equal(await page.textContent("#download-subtitles"), "Subtitles (.ass)");
  const download = page.waitForEvent("download");
  await page.click("#download-subtitles");
  const saved = await download;
  assert.equal(saved.suggestedFilename(), "talk.ass");
  const text = readFileSync(await saved.path(), "utf8");
  assert.match(text, /^Style: Sign,Georgia,28,/m);
  assert.match(text, /^Title: Browser test talk$/m);
  // The talk's subtitles were 1.5 s late: the first line now starts near 1.0 s, still styled and placed.
  const first = text.match(/^Dialogue: 0,0:00:(\d\d\.\d\d),[^,]+,Sign,,0,0,0,,\{\\pos\(320,40\)\}Good morning/m);
  assert.ok(first, text);
  assert.ok(Math.abs(Number(first[1]) - 1.0) < 0.2, `first line at ${first[1]} s`);
  assert.match(text, /\{\\i1\}Today we will look/);
  await page.screenshot({ path: join(ARTIFACTS, "page-ass-result.png"), fullPage: true });
  assert.deepEqual(failures, []);
  await page.close();
});

test("at phone width and with the keyboard only: cancel an active task, then delete it", { timeout: 60_000 }, async () => {
  const scripted = await startService({ pipeline: "scripted", workers: 1 });
  try {
    const user = uniqueUser("phone");
    const { page, failures } = await openPage(browser, scripted.baseUrl, user, { width: 390, height: 844 });
    await page.setInputFiles("#srt-file", { name: "long talk.srt", mimeType: "application/x-subrip",
                                            buffer: Buffer.from(scriptedSrt("SLEEP 30")) });
    await page.setInputFiles("#media-file", { name: "long talk.wav", mimeType: "audio/wav", buffer: silentWav(2) });
    await page.focus("#upload-button");
    await page.keyboard.press("Enter");
    const row = page.locator(`#tasks tr[data-task-id^="${user}:"]`);
    await row.locator(".state-processing").waitFor();
    // The row turns "processing" while still queued: wait for the worker to take it.
    await row.locator(".state", { hasText: /^(transcribing|processing llm|aligning) \d+ %$/ }).waitFor();
    assert.match(await row.locator(".state").textContent(), /^(transcribing|processing llm|aligning) \d+ %$/);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    await page.screenshot({ path: join(ARTIFACTS, "page-phone-active.png"), fullPage: true });

    await row.getByRole("button", { name: "Cancel long talk.srt" }).focus();
    await page.keyboard.press("Enter");
    await row.locator(".state-cancelled").waitFor();
    const remove = row.getByRole("button", { name: "Delete long talk.srt" });
    await remove.focus();
    await page.keyboard.press("Enter");
    assert.equal(await remove.textContent(), "Confirm delete");   // asks once more
    await page.screenshot({ path: join(ARTIFACTS, "page-phone-delete.png"), fullPage: true });
    await page.keyboard.press("Enter");
    await row.waitFor({ state: "detached" });
    assert.equal(await page.isVisible("#no-tasks"), true);
    assert.deepEqual(failures, []);
    await page.close();
  } finally {
    await scripted.stop();
  }
});
