/** The trustedAccountIds setting: a peering to a listed account passes, to any other it still fails. */
import { describe, expect, it } from "vitest";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { loadChecks } from "../../src/engine/checks.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { BUILTIN_CHECKS_DIR, SETTINGS_FILE } from "../../src/paths.ts";

const NOW = new Date("2026-06-01T00:00:00Z");

function peering(peerOwnerId: string): ConfigurationItem {
  return {
    resourceType: "AWS::EC2::VPCPeeringConnection",
    resourceId: `pcx-${peerOwnerId}`,
    arn: `arn:aws:ec2:us-east-1:111122223333:vpc-peering-connection/pcx-${peerOwnerId}`,
    awsRegion: "us-east-1",
    accountId: "111122223333",
    configuration: { status: { code: "active" } },
    supplementaryConfiguration: { crossAccount: true, peerOwnerId },
    tags: {},
    configurationItemCaptureTime: NOW.toISOString(),
  };
}

describe("trustedAccountIds", () => {
  it("passes peerings to trusted accounts and fails the others", async () => {
    const settings = { ...(await loadSettings(SETTINGS_FILE)), trustedAccountIds: ["444455556666"] };
    const checks = await loadChecks(
      { builtinDir: BUILTIN_CHECKS_DIR },
      { settings, evaluators: builtinEvaluators() },
    );
    const check = checks.find((c) => c.check.id === "vpc_peering_cross_account_trusted")!;
    const judge = (item: ConfigurationItem) => evaluateOne(check, item, createContext([item], settings, NOW));
    const trusted = judge(peering("444455556666"));
    expect(trusted?.status).toBe("PASS");
    expect(trusted?.reason).toContain("444455556666");
    expect(judge(peering("777788889999"))?.status).toBe("FAIL");
  });

  it("refuses an entry that is not a 12-digit account id, saying what it expects", async () => {
    const { writeFile, mkdtemp } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(`${tmpdir()}/enforceai-settings-`);
    await writeFile(`${dir}/settings.yaml`, "trustedAccountIds: [acme-prod]\n");
    await expect(loadSettings(SETTINGS_FILE, `${dir}/settings.yaml`)).rejects.toThrow(
      /12-digit AWS account id/,
    );
  });
});
