/**
 * The per-action walk through the whole flow against moto: scan → proposal → reject (nothing runs, the live
 * configuration is unchanged) → a fresh proposal → approval by another person → execution → verification by
 * re-discovery and the real checks.
 */
import { expect } from "vitest";
import type { Store } from "../../src/store/index.ts";
import { requireAction } from "../../tools/remediation/index.ts";
import {
  awsFor,
  copyScan,
  type MotoAccount,
  requestFor,
  scanAccount,
  serviceFor,
  type TestClock,
} from "./helpers.ts";

export interface ActionCase {
  actionId: string;
  /** The resourceId of the target as the inventory has it. */
  resourceId: string;
  services: string[];
  /** Params for the action, by action id. */
  params?: Record<string, Record<string, unknown>>;
  /** Checks that must be among the request's findings. */
  expectChecks: string[];
}

export async function exerciseAction(store: Store, clock: TestClock, account: MotoAccount, c: ActionCase) {
  const service = await serviceFor(store, clock);
  const aws = awsFor(account);
  try {
    // Round 1: rejected — nothing runs, nothing changes.
    const first = await scanAccount(store, account, c.services, clock);
    expect(
      first.findings.filter((f) => f.status === "FAIL").map((f) => f.checkId),
      "the resource violates the checks before any change",
    ).toEqual(expect.arrayContaining(c.expectChecks));
    await service.proposeForScan(first.scanId, undefined, "alice", { params: c.params });
    const rejected = await requestFor(service, first.scanId, c.actionId, c.resourceId);
    expect(rejected.strategy).toBe("immediate");
    const shown = await service.show(rejected.id);
    expect(shown.plan?.calls.length, "the plan lists the exact calls").toBeGreaterThan(0);
    expect(shown.plan?.changes.length, "the plan shows the fields it changes").toBeGreaterThan(0);
    expect(shown.findings.map((f) => f.checkId)).toEqual(expect.arrayContaining(c.expectChecks));
    await service.decide(rejected.id, "bob", "reject", "not now");
    const skipped = await service.executeApproved({ approvalId: rejected.id }, aws);
    expect(skipped[0]?.outcome).toBe("skipped");
    const action = requireAction(c.actionId);
    const live = await action.read(aws.exec, shown.plan!);
    for (const field of Object.keys(shown.plan!.before)) {
      expect(live[field] ?? null, `${field} unchanged after the rejection`).toEqual(
        shown.plan!.before[field] ?? null,
      );
    }
    expect((await service.show(rejected.id)).executions).toEqual([]);

    // Round 2: approved by someone else — runs once, verified by re-discovery.
    const second = await copyScan(store, first.scanId, clock);
    await service.proposeForScan(second.scanId, undefined, "alice", { params: c.params });
    const request = await requestFor(service, second.scanId, c.actionId, c.resourceId);
    const approved = await service.decide(request.id, "bob", "approve", "looks right");
    expect(approved.status).toBe("approved");
    const [outcome] = await service.executeApproved({ approvalId: request.id }, aws);
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ outcome: "succeeded" });
    const verification = await service.verify(request.id, account.access);
    expect(verification.status, JSON.stringify(verification.results)).toBe("PASS");
    for (const check of c.expectChecks) {
      expect(verification.results.find((r) => r.checkId === check)?.status).toBe("PASS");
    }
    const detail = await service.show(request.id);
    expect(detail.remediationStatus).toBe("verified");
    expect(detail.executions).toHaveLength(1);
    expect(detail.executions[0]?.status).toBe("succeeded");
    expect(detail.priorConfiguration).toEqual(detail.plan?.before);
    expect(detail.audit.map((a) => a.action)).toEqual([
      "remediation.proposed",
      "approval.decision",
      "approval.approved",
      "remediation.execution_started",
      "remediation.executed",
      "remediation.verified",
    ]);
    // Running it again changes nothing: the idempotency key holds.
    const [again] = await service.executeApproved({ approvalId: request.id }, aws);
    expect(again?.outcome).toBe("already-executed");
    return { service, request: detail };
  } finally {
    aws.destroy();
  }
}
