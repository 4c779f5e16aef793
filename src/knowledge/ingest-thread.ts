/**
 * The ingest thread: one worker thread (node:worker_threads) that does what ingestion spends its CPU on —
 * PDF text extraction, decoding, normalisation, chunking, deterministic control extraction, local embedding —
 * while the main thread's event loop goes on answering requests (`/healthz`, the API, scans). One document's
 * reading is one task; tasks run one after another in the thread.
 *
 * The thread's heap is bounded (`maxHeapMb`): a document that needs more dies with the thread, which is
 * started again for the next task, and is refused with a PayloadTooLargeError.
 */
import { Worker } from "node:worker_threads";
import {
  type EnforceAIError,
  errorMessage,
  PayloadTooLargeError,
  ServiceError,
  ValidationError,
} from "../errors.ts";
import { LOCAL_EMBEDDER_VERSION } from "./local-embedder.ts";
import type { PreparedDocument, PrepareInput } from "./prepare.ts";
import type { Embedder } from "./types.ts";

type ThreadTask =
  | { task: "prepare"; input: PrepareInput }
  | { task: "embed"; texts: string[]; dimensions: number };

export type ThreadRequest = ThreadTask & { id: number };

export type ThreadReply =
  | { id: number; ok: true; result: PreparedDocument | Float64Array }
  | { id: number; ok: false; error: { name: string; message: string; details?: Record<string, unknown> } };

/** Errors keep their kind across the thread boundary (a limit stays a 413, bad input a 400). */
const ERROR_CLASSES: Record<
  string,
  new (
    message: string,
    details?: Record<string, unknown>,
  ) => EnforceAIError
> = {
  PayloadTooLargeError,
  ValidationError,
  ServiceError,
};

/** Default bound on the thread's JavaScript heap. */
export const DEFAULT_INGEST_THREAD_HEAP_MB = 1536;

export interface IngestThreadOptions {
  maxHeapMb?: number;
}

interface Pending {
  resolve(value: PreparedDocument | Float64Array): void;
  reject(error: Error): void;
}

export class IngestThread {
  private worker?: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private readonly maxHeapMb: number;

  constructor(options: IngestThreadOptions = {}) {
    this.maxHeapMb = options.maxHeapMb ?? DEFAULT_INGEST_THREAD_HEAP_MB;
  }

  /** Reads a document's bytes into normalised text and passages (see prepareDocument). */
  async prepare(input: PrepareInput): Promise<PreparedDocument> {
    return (await this.call({ task: "prepare", input })) as PreparedDocument;
  }

  /** The local embedder's vectors for `texts`, computed in the thread. */
  async embed(texts: string[], dimensions: number): Promise<number[][]> {
    if (texts.length === 0) return [];
    const flat = (await this.call({ task: "embed", texts, dimensions })) as Float64Array;
    return texts.map((_, i) => Array.from(flat.subarray(i * dimensions, (i + 1) * dimensions)));
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private call(request: ThreadTask): Promise<PreparedDocument | Float64Array> {
    if (this.closed) return Promise.reject(new ServiceError("the ingest thread is closed"));
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // a task in flight keeps the process alive; an idle thread does not
      worker.ref();
      worker.postMessage({ ...request, id });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL("./ingest-thread-boot.js", import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb },
    });
    worker.unref();
    worker.on("message", (reply: ThreadReply) => {
      const task = this.pending.get(reply.id);
      if (!task) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) task.resolve(reply.result);
      else {
        const Kind = ERROR_CLASSES[reply.error.name];
        task.reject(
          Kind
            ? new Kind(reply.error.message, reply.error.details)
            : new ValidationError(reply.error.message),
        );
      }
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      const outOfMemory = (error as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY";
      for (const task of this.pending.values()) {
        task.reject(
          outOfMemory
            ? new PayloadTooLargeError(
                `the document needs more than the ${this.maxHeapMb} MB the ingest thread may use to read it; split it`,
                { limit: "memory", max: this.maxHeapMb },
              )
            : new ServiceError(`the ingest thread stopped: ${errorMessage(error)}`),
        );
      }
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (this.pending.size > 0) fail(new Error(`it exited with code ${code}`));
      if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }
}

/**
 * The local embedder (see ./local-embedder.ts) with its vectors computed in the ingest thread: the same id and
 * the same vectors, off the main thread. A query (one short text) is embedded in place.
 */
export function threadedLocalEmbedder(inline: Embedder, thread: IngestThread): Embedder {
  if (!inline.id.startsWith(`local-hash-v${LOCAL_EMBEDDER_VERSION}-`)) {
    throw new ServiceError(`${inline.id} is not the local embedder; only it runs in the ingest thread`);
  }
  return {
    id: inline.id,
    dimensions: inline.dimensions,
    embedDocuments: (texts) => thread.embed(texts, inline.dimensions),
    embedQuery: (text) => inline.embedQuery(text),
  };
}
