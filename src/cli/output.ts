import { writeFile } from "node:fs/promises";
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

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
