// Front ends written before this client use a small class like this one; the API must keep serving it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { scriptedSrt, silentWav, startService, uniqueUser } from "../testkit/support.js";

/** The legacy front-end class, as such code has it: only fetch, FormData and X-User-ID. */
class LegacyApi {
  constructor(baseUrl, userId) {
    this.baseUrl = baseUrl;
    this.userId = userId;
  }

  async createTask(srtFile, mediaFile) {
    const formData = new FormData();
    formData.append("srt_file", srtFile);
    formData.append("media_file", mediaFile);
    const response = await fetch(`${this.baseUrl}/process/srt_media/`, {
      method: "POST", headers: { "X-User-ID": this.userId }, body: formData,
    });
    if (!response.ok) throw new Error(`Upload failed: ${response.status}`);
    const data = await response.json();
    return data.task_id;
  }

  pollTaskStatus(taskId, onProgress) {
    return new Promise((resolve, reject) => {
      const poll = async () => {
        try {
          const response = await fetch(`${this.baseUrl}/tasks/${taskId}/status`, { headers: { "X-User-ID": this.userId } });
          const data = await response.json();
          onProgress(data.progress, data.stage);
          if (data.status === "completed") {
            clearInterval(timer);
            resolve(data);
          } else if (data.status === "failed") {
            clearInterval(timer);
            reject(new Error(data.error_message));
          }
        } catch (error) {
          clearInterval(timer);
          reject(error);
        }
      };
      const timer = setInterval(poll, 3000);
      poll();
    });
  }

  async getTaskResult(taskId) {
    const response = await fetch(`${this.baseUrl}/tasks/${taskId}/result`, { headers: { "X-User-ID": this.userId } });
    return response.json();
  }

  async getUserTasks() {
    const response = await fetch(`${this.baseUrl}/users/me/tasks`, { headers: { "X-User-ID": this.userId } });
    return response.json();
  }
}

let service;
before(async () => { service = await startService(); });
after(async () => { await service?.stop(); });

const file = (content, name, type) => new File([content], name, { type });

test("the legacy class uploads, polls to completion and reads the result and the task list", async () => {
  const api = new LegacyApi(service.baseUrl, uniqueUser("legacy"));
  const taskId = await api.createTask(file(scriptedSrt("SLEEP 0.5"), "talk.srt", "application/x-subrip"),
                                      file(silentWav(), "talk.wav", "audio/wav"));
  const updates = [];
  const final = await api.pollTaskStatus(taskId, (progress, stage) => updates.push([progress, stage]));
  assert.equal(final.status, "completed");
  assert.deepEqual(updates.at(-1), [100, "completed"]);
  const result = await api.getTaskResult(taskId);
  assert.equal(result.task_id, taskId);
  assert.equal(result.result.paragraphs.length, 3);
  const tasks = await api.getUserTasks();
  assert.equal(tasks.total_active, 0);
  assert.equal(tasks.active_tasks.length, 0);
});

test("the legacy class sees a failure's error_message", async () => {
  const api = new LegacyApi(service.baseUrl, uniqueUser("legacy"));
  const taskId = await api.createTask(file(scriptedSrt("FAIL"), "talk.srt"), file(silentWav(), "talk.wav"));
  await assert.rejects(api.pollTaskStatus(taskId, () => {}), /no audio stream/);
});
