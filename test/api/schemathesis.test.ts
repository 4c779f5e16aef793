/**
 * Fuzzes the served API against its own OpenAPI document (scripts/schemathesis.sh: schemathesis with
 * not_a_server_error and response_schema_conformance, bounded). Runs under CI (CI=true), or when
 * ENFORCEAI_SCHEMATHESIS=1; the script installs schemathesis with pip when it is missing.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/paths.ts";

const enabled = process.env.CI === "true" || process.env.ENFORCEAI_SCHEMATHESIS === "1";

describe.runIf(enabled)("schemathesis against the served OpenAPI document", () => {
  it("finds no server error and no response that breaks its schema", async () => {
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        "bash",
        [path.join(PACKAGE_ROOT, "scripts", "schemathesis.sh")],
        { cwd: PACKAGE_ROOT, env: { ...process.env }, timeout: 280_000, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) =>
          resolve({
            code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
            output: `${stdout}\n${stderr}`,
          }),
      );
    });
    expect(result.code, result.output.slice(-6000)).toBe(0);
    expect(result.output).toMatch(/passed/);
  }, 300_000);
});
