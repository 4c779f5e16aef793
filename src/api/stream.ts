/** Streaming a large response body: exports of many findings are written piece by piece, never as one string. */
import { once } from "node:events";
import type { Response } from "express";

/** Writes the pieces to the response as the client takes them, then ends it; a client that leaves stops the writing. */
export async function sendChunks(res: Response, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    if (res.destroyed) return;
    if (!res.write(chunk)) {
      await Promise.race([once(res, "drain"), once(res, "close")]);
    }
  }
  res.end();
}
