/**
 * Inside the ingest thread (see ./ingest-thread.ts): reads documents into passages and embeds texts locally,
 * the CPU-heavy parts of ingestion, so that the main thread keeps answering requests meanwhile.
 */
import { parentPort } from "node:worker_threads";
import { EnforceAIError, errorMessage } from "../errors.ts";
import type { ThreadReply, ThreadRequest } from "./ingest-thread.ts";
import { hashEmbed } from "./local-embedder.ts";
import { prepareDocument } from "./prepare.ts";

const port = parentPort;
if (!port) throw new Error("ingest-thread-worker runs in a worker thread only");

port.on("message", async (request: ThreadRequest) => {
  try {
    if (request.task === "prepare") {
      const reply: ThreadReply = { id: request.id, ok: true, result: await prepareDocument(request.input) };
      port.postMessage(reply);
      return;
    }
    const { texts, dimensions } = request;
    const vectors = new Float64Array(texts.length * dimensions);
    texts.forEach((text, i) => {
      vectors.set(hashEmbed(text, dimensions), i * dimensions);
    });
    const reply: ThreadReply = { id: request.id, ok: true, result: vectors };
    port.postMessage(reply, [vectors.buffer]);
  } catch (error) {
    const reply: ThreadReply = {
      id: request.id,
      ok: false,
      error: {
        name: error instanceof Error ? error.name : "Error",
        message: errorMessage(error),
        details: error instanceof EnforceAIError ? error.details : undefined,
      },
    };
    port.postMessage(reply);
  }
});
