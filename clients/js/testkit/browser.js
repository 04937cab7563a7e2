// Headless Chromium for the page tests: where screenshots go, how the browser starts, a page signed in.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

import { speakingTalks, startService } from "./support.js";

export const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** The Debian Chromium (or $CHROMIUM), headless; screenshots go to test-artifacts/. */
export function launchChromium() {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/**
 * The web page of `baseUrl` with `user` (a user id or token) entered; `failures` collects page errors
 * and failed requests other than the media's (a player may drop its range requests).
 */
export async function openPage(browser, baseUrl, user, viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const failures = [];
  page.on("pageerror", (error) => failures.push(error.message));
  page.on("requestfailed", (request) => {
    if (!request.url().includes("/media")) failures.push(`request failed: ${request.url()}`);
  });
  await page.goto(baseUrl + "/");
  await page.fill("#user-id", user);
  await page.dispatchEvent("#user-id", "change");
  return { page, failures };
}

/** The spoken talks, a service running the real pipeline and Chromium: {talk, service, browser, close()}. */
export async function pageTestbed() {
  const talk = speakingTalks();
  const [service, browser] = await Promise.all([startService({ pipeline: "real", workers: 1 }), launchChromium()]);
  return {
    talk, service, browser,
    async close() {
      await browser.close();
      await service.stop();
    },
  };
}
