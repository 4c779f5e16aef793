import { execFile } from "node:child_process";
import path from "node:path";
import { PACKAGE_ROOT } from "../../src/paths.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `enforceai` bin in a child process, as a user would. */
export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 120_000,
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(PACKAGE_ROOT, "bin", "enforceai.js"), ...args],
      {
        cwd: PACKAGE_ROOT,
        env: { ...process.env, NO_COLOR: "1", ENFORCEAI_LOG_LEVEL: "warn", ...env },
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
