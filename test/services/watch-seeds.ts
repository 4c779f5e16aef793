/**
 * Watcher scenarios, one per service: how to make a compliant resource in moto, how to make it non-compliant
 * and how to put it back, each with the CloudTrail record the real call would leave (only the request members
 * the event table reads, under CloudTrail's lowerCamel names). `runScenario` plays one against a harness.
 */
import { expect } from "vitest";
import type { Finding } from "../../src/domain/types.ts";
import type { AwsClientSet } from "../../tools/aws/clients.ts";
import { REGION, type WatchHarness } from "./watch-harness.ts";

export interface Seeded {
  /** The collector's resourceId (the finding id's last part). */
  resourceId: string;
  arn: string;
  /** The item's awsRegion: REGION unless the collector records "global". */
  region?: string;
  /** Anything later steps need (names, ids). */
  [key: string]: string | undefined;
}

/** A real call in moto and the CloudTrail record it would leave. */
export interface Step {
  call(): Promise<unknown>;
  source: string;
  eventName: string;
  params: Record<string, unknown>;
}

export interface SeedContext {
  clients: AwsClientSet;
  accountId: string;
  suffix: string;
}

export interface Scenario {
  service: string;
  /** What the change is, for the test title. */
  change: string;
  checkId: string;
  /** The verdict before the change: PASS, or "not-FAIL" where the check may say MANUAL/N/A. */
  before?: "PASS" | "not-FAIL";
  seed(ctx: SeedContext): Promise<Seeded>;
  breakIt(ctx: SeedContext, s: Seeded): Step;
  revert(ctx: SeedContext, s: Seeded): Step;
}

export const findingIdOf = (h: WatchHarness, checkId: string, s: Seeded) =>
  `${h.accountId}/${s.region ?? REGION}/${checkId}/${s.resourceId}`;

/**
 * The scenario's life: PASS at baseline → the change and its event → FAIL with a drift record naming alice
 * and the call → the revert and its event → PASS, resolved.
 */
export async function runScenario(
  h: WatchHarness,
  ctx: SeedContext,
  scenario: Scenario,
  seeded: Seeded,
  baseline: readonly Finding[],
): Promise<void> {
  const id = findingIdOf(h, scenario.checkId, seeded);
  const before = await h.store.findings.life(id);
  if (!before) {
    const known = baseline
      .filter((f) => f.checkId === scenario.checkId)
      .map((f) => `${f.id} ${f.resourceArn}`);
    throw new Error(`no baseline finding ${id} (findings of ${scenario.checkId}: ${known.join(", ")})`);
  }
  if (scenario.before === "not-FAIL") expect(before.status).not.toBe("FAIL");
  else expect(before.status, `${id} before the change`).toBe("PASS");

  const broken = scenario.breakIt(ctx, seeded);
  await broken.call();
  await h.publish(h.record(broken.source, broken.eventName, broken.params));
  await h.watcher().run({ untilEmpty: true });
  const failing = await h.store.findings.life(id);
  expect(failing?.status, `${id} after ${broken.eventName}`).toBe("FAIL");
  const [drift] = await h.store.events.drift({ arn: seeded.arn });
  expect(drift, `a drift record for ${seeded.arn}`).toBeDefined();
  expect(drift).toMatchObject({
    eventName: broken.eventName,
    eventSource: broken.source,
    actor: `arn:aws:iam::${h.accountId}:user/alice`,
  });
  expect(drift!.transitions.map((t) => `${t.checkId}:${t.to}`)).toContain(`${scenario.checkId}:FAIL`);

  const reverted = scenario.revert(ctx, seeded);
  await reverted.call();
  await h.publish(h.record(reverted.source, reverted.eventName, reverted.params));
  await h.watcher().run({ untilEmpty: true });
  const resolved = await h.store.findings.life(id);
  expect(resolved?.status, `${id} after ${reverted.eventName}`).toBe("PASS");
  expect(resolved?.resolvedAt).not.toBeNull();
  const [latest] = await h.store.events.drift({ arn: seeded.arn });
  expect(latest).toMatchObject({
    eventName: reverted.eventName,
    actor: `arn:aws:iam::${h.accountId}:user/alice`,
  });
}

/** A public "anyone may do X" resource policy. */
export const publicPolicy = (action: string, resource: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "Public", Effect: "Allow", Principal: "*", Action: action, Resource: resource }],
  });

/** A policy that only lets the account itself in. */
export const ownerPolicy = (accountId: string, action: string, resource: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Owner",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: action,
        Resource: resource,
      },
    ],
  });

/** The smallest valid zip archive (no entries): enough for moto to store a Lambda function's code. */
export const EMPTY_ZIP = new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);

export const assumeRolePolicy = (service: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
