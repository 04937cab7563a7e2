// Test helpers: a real srtmedia service (test/server.py) and sample uploads.
import { execFileSync, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const SERVER = fileURLToPath(new URL("./server.py", import.meta.url));
const SPEECH = fileURLToPath(new URL("./speech.py", import.meta.url));

/** Spoken talks and their subtitles (testkit/speech.py): {wav, srt, ass, cut_wav, cut_srt, break}. */
export function speakingTalks() {
  const folder = mkdtempSync(join(tmpdir(), "srtmedia-talk-"));
  return JSON.parse(execFileSync(process.env.PYTHON || "python3", [SPEECH, folder], { encoding: "utf8" }));
}

/** Start a service; resolves with {baseUrl, stop()}. */
export async function startService({ pipeline = "scripted", workers = 2, settings = {} } = {}) {
  const args = [SERVER, "--pipeline", pipeline, "--workers", String(workers)];
  for (const [name, value] of Object.entries(settings)) args.push("--setting", `${name}=${value}`);
  // The service's logs are kept, not printed, and shown only if it fails to start.
  const child = spawn(process.env.PYTHON || "python3", args, { stdio: ["pipe", "pipe", "pipe"] });
  let log = "";
  child.stderr.on("data", (chunk) => { log = (log + chunk).slice(-8000); });
  const lines = createInterface({ input: child.stdout });
  const [first] = await Promise.race([
    once(lines, "line"),
    once(child, "exit").then(([code]) => { throw new Error(`testkit/server.py exited with ${code}:\n${log}`); }),
  ]);
  const { base_url: baseUrl } = JSON.parse(first);
  return {
    baseUrl,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.stdin.end();   // the server stops everything when its stdin closes
      await exited;
    },
  };
}

/** SRT text of [start, end, text] cues (seconds). */
export function srt(cues) {
  const stamp = (t) => {
    const ms = Math.round(t * 1000);
    const pad = (n, w = 2) => String(n).padStart(w, "0");
    return `${pad(Math.floor(ms / 3600000))}:${pad(Math.floor(ms / 60000) % 60)}:${pad(Math.floor(ms / 1000) % 60)},${pad(ms % 1000, 3)}`;
  };
  return cues.map(([start, end, text], i) => `${i + 1}\n${stamp(start)} --> ${stamp(end)}\n${text}\n`).join("\n");
}

/** SRT whose first cue tells the scripted pipeline what to do ("SLEEP 5", "FAIL", ...). */
export function scriptedSrt(first = "Hello there.") {
  return srt([[1, 2, first], [2, 2.9, "Line number two."], [3, 3.9, "Line number three."]]);
}

/** A silent 16-bit mono PCM WAV file. */
export function silentWav(seconds = 1, rate = 8000) {
  const samples = Math.round(seconds * rate);
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write("RIFF", 0); wav.writeUInt32LE(36 + samples * 2, 4); wav.write("WAVE", 8);
  wav.write("fmt ", 12); wav.writeUInt32LE(16, 16); wav.writeUInt16LE(1, 20); wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(rate, 24); wav.writeUInt32LE(rate * 2, 28); wav.writeUInt16LE(2, 32); wav.writeUInt16LE(16, 34);
  wav.write("data", 36); wav.writeUInt32LE(samples * 2, 40);
  return wav;
}

export const uniqueUser = (prefix) => `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

/** An HS256 JWT for `sub` that expires in 10 minutes, as an identity provider would issue it. */
export function jwtFor(sub, secret) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const body = `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub, exp: Math.floor(Date.now() / 1000) + 600 })}`;
  return `${body}.${createHmac("sha256", secret).update(body).digest("base64url")}`;
}
