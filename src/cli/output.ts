import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { processEnvironment } from "../config/index.ts";

/** Where a command writes: stdout for results, stderr for progress and messages. */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export const processIo = (): Io => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: processEnvironment(),
});

export function useColor(io: Io): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "") return false;
  if (io.env.FORCE_COLOR) return true;
  return !!io.stdout.isTTY;
}

/** Writes `text` to the file, or to stdout when there is none. */
export async function emit(io: Io, text: string, output?: string): Promise<void> {
  if (output) {
    await writeFile(output, text.endsWith("\n") ? text : `${text}\n`);
    io.stderr.write(`wrote ${output}\n`);
  } else {
    io.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }
}

/**
 * Writes the pieces one after another to the file, or to stdout when there is none, waiting whenever the
 * destination is full: a report larger than any one string can be written. A file is written beside its name
 * and renamed when complete, so a failure never leaves half a report under the name asked for.
 */
export async function emitChunks(io: Io, chunks: Iterable<string>, output?: string): Promise<void> {
  if (!output) {
    await writeAll(io.stdout, chunks);
    return;
  }
  const partial = `${output}.partial`;
  const file = createWriteStream(partial);
  try {
    await Promise.race([
      (async () => {
        await writeAll(file, chunks);
        file.end();
        await once(file, "finish");
      })(),
      once(file, "error").then(([error]) => Promise.reject(error)),
    ]);
    await rename(partial, output);
  } catch (error) {
    file.destroy();
    await rm(partial, { force: true });
    throw error;
  }
  io.stderr.write(`wrote ${output}\n`);
}

/** Writes every piece, ending with a newline, honouring the sink's backpressure. */
async function writeAll(sink: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  let last = "";
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    last = chunk;
    if (!sink.write(chunk)) await once(sink, "drain");
  }
  if (!last.endsWith("\n")) sink.write("\n");
}

/** Rows as plain-text columns, two spaces apart, each as wide as its widest cell (the first row is the header). */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return `${rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
