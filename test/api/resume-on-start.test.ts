import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createServer } from "../../src/api/server.ts";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/index.ts";
import { createLogger } from "../../src/logger.ts";
import { PACKAGE_ROOT } from "../../src/paths.ts";
import { runScanProgram } from "../helpers/scan-program.ts";

const INVENTORY = path.join(PACKAGE_ROOT, "test", "fixtures", "inventories", "small-account.json");

describe("a server resumes the scans a stopped process left running", () => {
  it("finishes a scan killed mid-way, from its checkpoint, when the server starts", {
    timeout: 180_000,
  }, async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), "enforceai-resume-start-"));
    try {
      const crashed = await runScanProgram(home, ["start", "killed-scan", INVENTORY], {
        CRASH_AT: "evaluate",
      });
      expect(crashed.code).toBe(86);

      const app = await createApp(loadConfig({ ENFORCEAI_HOME: home }), {
        logger: createLogger({ level: "silent", format: "json" }),
      });
      expect((await app.store.scans.get("killed-scan")).status).toBe("running");
      const server = await createServer(app, { rateLimit: false });
      try {
        let status = "running";
        for (let i = 0; i < 120 && status === "running"; i++) {
          await new Promise((r) => setTimeout(r, 500));
          status = (await app.store.scans.get("killed-scan")).status;
        }
        expect(status).toBe("completed");
        const findings = await app.store.findings.allOfScan("killed-scan");
        expect(findings.some((f) => f.status === "FAIL")).toBe(true);
        const trail = await app.store.audit.forSubject("scan", "killed-scan");
        expect(trail.map((e) => e.action)).toContain("scan.resumed");
      } finally {
        await server.close(2_000);
        await app.close();
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
