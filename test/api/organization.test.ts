/**
 * An organisation scan started through the API (`organization` in POST /api/v1/scans) against an organisation
 * made in moto: the server runs as its management account, the scan completes with every active account, and
 * GET /scans/{id} carries the roll-up (per account, per OU) in its documented shape. The body's organisation
 * options are refused together with what they cannot go with.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { scanDetailSchema } from "../../src/api/schemas.ts";
import { openStore } from "../../src/store/index.ts";
import { randomAccountId } from "../aws/moto-helpers.ts";
import { createMotoOrganization, type MotoOrganization, sessionKeysFor } from "../aws/moto-organization.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { conforms, type Harness, startHarness } from "./harness.ts";

serviceDescribe("moto", "an organisation scan through the API", (moto) => {
  const management = randomAccountId();
  let org: MotoOrganization;
  let h: Harness;

  beforeAll(async () => {
    org = await createMotoOrganization(moto, management);
    // The server's default credential chain: a session in the management account (moto maps the keys to it).
    const keys = await sessionKeysFor(moto, management);
    process.env.AWS_ACCESS_KEY_ID = keys.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = keys.secretAccessKey;
    process.env.AWS_SESSION_TOKEN = keys.sessionToken;
    h = await startHarness(await openStore({ dataDir: "memory://" }), {
      env: { AWS_ENDPOINT_URL: moto, AWS_REGION: "us-east-1" },
    });
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it("scans the organisation's active accounts under an OU and shows the roll-up on the scan", async () => {
    const start = await h.call("POST", "/api/v1/scans", {
      role: "operator",
      body: {
        scope: { regions: ["us-east-1"] },
        organization: { ous: [org.ous.prod] },
        frameworks: ["cis-aws-3.0"],
      },
    });
    expect(start.status, start.text).toBe(202);
    const stream = await h.events(`/api/v1/scans/${start.body.id}/events`, { role: "viewer" });
    expect(stream.events.at(-1)).toMatchObject({ event: "status", data: { status: "completed" } });
    const detail = await h.call("GET", `/api/v1/scans/${start.body.id}`);
    expect(detail.status).toBe(200);
    const body = conforms(scanDetailSchema, detail.body);
    expect(body.scan.accounts).toEqual([org.accounts.web, org.accounts.db].sort());
    const o = body.organization!;
    expect(o.managementAccountId).toBe(management);
    expect(o.accounts.map((a) => [a.id, a.state, a.ouPath])).toEqual(
      [
        [org.accounts.web, "scanned", "Root/Prod/Web"],
        [org.accounts.db, "scanned", "Root/Prod"],
      ].sort(([a], [b]) => a!.localeCompare(b!)),
    );
    const prod = o.ous.find((u) => u.id === org.ous.prod);
    expect(prod).toMatchObject({ accounts: 2, scanned: 2, score: expect.any(Number) });
    expect(prod!.scores["cis-aws-3.0"]).toEqual(o.scores["cis-aws-3.0"]);
  }, 180_000);

  it("refuses organisation options next to demo, role ARNs or automatic remediation", async () => {
    for (const body of [
      { demo: true, organization: {} },
      { scope: { roleArns: [`arn:aws:iam::${org.accounts.web}:role/X`] }, organization: {} },
      { organization: { ous: ["not-an-ou"] } },
      { organization: { excludeAccounts: ["12"] } },
      { organization: {}, autoRemediate: true },
    ]) {
      const res = await h.call("POST", "/api/v1/scans", { role: "operator", body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });
});
