import { execFile } from "node:child_process";
import path from "node:path";
import { PACKAGE_ROOT } from "../../src/paths.ts";

const PROGRAM = path.join(PACKAGE_ROOT, "test", "fixtures", "programs", "scan-with-models.ts");

/** Runs a scan with scripted models in a child process (so a crash is a real process exit). */
export function runScanProgram(
  home: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", PROGRAM, home, ...args],
      { cwd: PACKAGE_ROOT, env: { ...process.env, ...env }, timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
