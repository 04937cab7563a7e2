// Type declarations of srtmedia.js.

export type TaskState = "pending" | "processing" | "completed" | "failed" | "cancelled";
export type Stage = "queued" | "transcribing" | "processing_llm" | "aligning" | "completed";
export type SubtitleFormat = "srt" | "vtt" | "ass" | "ssa";
/** "subtitles" is the corrected subtitles in the format that was uploaded (TaskStatus.subtitles_format). */
export type ExportFormat = "json" | SubtitleFormat | "txt" | "md" | "subtitles";

/** RFC 9457 problem details, with the API's extension members. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  task_id?: string;
  task_status?: TaskState;
  progress?: number;
  line?: number;
  error_code?: string;
  [member: string]: unknown;
}

export interface TaskStatus {
  task_id: string;
  status: TaskState;
  stage: Stage;
  progress: number;
  message?: string;
  created_at: string;
  updated_at: string;
  error_message?: string;
  /** Failed tasks only: a stable code such as invalid_media, timeout, abandoned, internal. */
  error_code?: string;
  /** A signed, expiring link to the uploaded media for a player; absent once the files are deleted. */
  media_url?: string;
  /** The uploaded files' names as the client sent them: for display only, escape them. */
  subtitles_name?: string;
  media_name?: string;
  /** The uploaded subtitles' format; format "subtitles" answers in it. */
  subtitles_format?: SubtitleFormat;
  /** Seconds of media, once processed. */
  media_duration?: number;
  /** The spoken language, when given with the upload or known from the run. */
  language?: string;
  /** Completed tasks: what the run changed in the timing. */
  summary?: TimingSummary;
}

/** A jump in the timing: at media second `at` the shift changes by `shift` (> 0: a break in the media). */
export interface Cut { at: number; subtitle_at: number; shift: number }

export interface TimingSummary {
  offset: number;
  ratio: number;
  cuts: Cut[];
  cues: number;
  /** Cues whose start moved 0.1 s or more. */
  cues_moved: number;
  cues_not_found: number;
}

export interface TaskCreated {
  task_id: string;
  status: TaskState;
  message: string;
  location: string | null;
  retryAfter: number | null;
}

export interface Word { text: string; start: number; end: number; confidence?: number }
export interface Sentence { start: number; end: number; text: string; words: Word[] }
export interface Paragraph { index: number; start: number; end: number; text: string; sentences: Sentence[]; cue_indices: number[] }
export interface Cue { index: number; start: number; end: number; text: string; original_start: number; original_end: number; found: boolean }

/** The pipeline's result (docs/pipeline.md). */
export interface TranscriptResult {
  paragraphs: Paragraph[];
  cues: Cue[];
  timing: { offset: number; ratio: number; segments: Array<{ start: number; end: number; offset: number; ratio: number }> };
  /** speech: [start, end] media seconds where voice activity detection heard speech. */
  transcript: { words: Word[]; agreement: number; language: string; speech?: Array<[number, number]> };
  media: { duration: number; format: string; streams: Array<Record<string, unknown>> };
  engine: Record<string, unknown>;
  warnings: string[];
}

export interface TaskResult { task_id: string; status: "completed"; result: TranscriptResult }

export interface TaskList {
  user_id: string;
  active_tasks: TaskStatus[];
  completed_tasks: TaskStatus[];
  total_active: number;
  total_completed: number;
  next_cursor: string | null;
}

export type FileInput = Blob | ArrayBuffer | ArrayBufferView | string;

export interface CreateTaskOptions {
  textEngine?: "auto" | "builtin" | "llm";
  language?: string;
  wordTiming?: boolean;
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Upload progress; only where XMLHttpRequest exists (browsers). */
  onUploadProgress?: (progress: { loaded: number; total: number | null }) => void;
}

export interface WaitOptions {
  onProgress?: (status: TaskStatus) => void;
  signal?: AbortSignal;
  /** Milliseconds between polls when the server sends no Retry-After. */
  interval?: number;
  /** Seconds to wait before the first poll (TaskCreated.retryAfter). */
  retryAfter?: number | null;
}

export class SrtmediaError extends Error {
  constructor(problem: Problem, options?: { status?: number; retryAfter?: number | null });
  readonly status: number;
  readonly problem: Problem;
  /** Seconds from the answer's Retry-After header, if any. */
  readonly retryAfter: number | null;
}

export function parseRetryAfter(value: string | null | undefined): number | null;
export function sleep(ms: number, signal?: AbortSignal): Promise<void>;

export class SrtmediaClient {
  /** Exactly one of userId (X-User-ID, header mode) and token (Bearer API key or JWT). */
  constructor(options: { baseUrl?: string; userId?: string; token?: string; fetch?: typeof fetch; pollInterval?: number });
  readonly baseUrl: string;
  userId: string | null;
  token: string | null;
  pollInterval: number;
  credentials(): Record<string, string>;
  url(path: string): string;
  taskPath(taskId: string, tail?: string): string;
  /** Header mode only: the media URL with ?user_id=. */
  mediaUrl(taskId: string): string;
  /** A signed, expiring media URL from the task's status (every mode); null once the files are deleted. */
  mediaLink(taskId: string, options?: { signal?: AbortSignal }): Promise<string | null>;
  request(method: string, path: string, init?: { headers?: Record<string, string>; body?: BodyInit; signal?: AbortSignal;
    onUploadProgress?: CreateTaskOptions["onUploadProgress"] }): Promise<Response>;
  createTask(srtFile: FileInput, mediaFile: FileInput, options?: CreateTaskOptions): Promise<TaskCreated>;
  getStatus(taskId: string, options?: { signal?: AbortSignal }): Promise<TaskStatus>;
  getResult(taskId: string, format?: "json", options?: { signal?: AbortSignal }): Promise<TaskResult>;
  getResult(taskId: string, format: Exclude<ExportFormat, "json">, options?: { signal?: AbortSignal }): Promise<string>;
  getUserTasks(options?: { includeCompleted?: boolean; limit?: number; cursor?: string; signal?: AbortSignal }): Promise<TaskList>;
  cancelTask(taskId: string, options?: { signal?: AbortSignal }): Promise<TaskStatus>;
  waitForResult(taskId: string, options?: WaitOptions): Promise<TaskResult>;
}
