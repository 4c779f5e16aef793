/**
 * The plan → approve → remediate → verify nodes in a LangGraph graph with a checkpointer: the graph stops at
 * the approval interrupt, stays stopped while a request is pending, and on resume executes only what was
 * approved, then verifies it against moto.
 */
import { CreateKeyCommand, GetKeyRotationStatusCommand } from "@aws-sdk/client-kms";
import { Annotation, Command, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveNode } from "../../graphs/scan/approve.ts";
import type { RemediationDeps } from "../../graphs/scan/deps.ts";
import { planNode, remediationStateFields } from "../../graphs/scan/plan.ts";
import { remediateNode } from "../../graphs/scan/remediate.ts";
import { verifyNode } from "../../graphs/scan/verify.ts";
import { createLogger } from "../../src/logger.ts";
import type { Store } from "../../src/store/index.ts";
import { openStore } from "../../src/store/index.ts";
import { requireService } from "../helpers/services.ts";
import { awsFor, type MotoAccount, motoAccount, scanAccount, serviceFor, TestClock } from "./helpers.ts";

const moto = requireService("moto");

const State = Annotation.Root({
  scanId: Annotation<string>(),
  requestedBy: Annotation<string>(),
  completedSteps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  ...remediationStateFields,
});

function buildGraph(store: Store, clock: TestClock, remediation: RemediationDeps) {
  const deps = {
    store,
    clock: clock.fn,
    logger: createLogger({ level: "silent", format: "json" }),
    remediation,
  };
  return new StateGraph(State)
    .addNode("plan", planNode(deps))
    .addNode("approve", approveNode(deps))
    .addNode("remediate", remediateNode(deps))
    .addNode("verify", verifyNode(deps))
    .addEdge(START, "plan")
    .addEdge("plan", "approve")
    .addEdge("approve", "remediate")
    .addEdge("remediate", "verify")
    .addEdge("verify", END)
    .compile({ checkpointer: new MemorySaver() });
}

interface Pending {
  id: string;
  resourceArn: string;
}
/** The pending requests of the graph's approval interrupt, or undefined when it did not stop. */
function pendingOf(result: unknown): Pending[] | undefined {
  const interrupts = (result as { __interrupt__?: { value: { pending: Pending[] } }[] }).__interrupt__;
  return interrupts?.[0]?.value.pending;
}

describe.skipIf(!moto)("remediation graph nodes", () => {
  let store: Store;
  let account: MotoAccount;
  beforeAll(async () => {
    store = await openStore({ dataDir: "memory://" });
    account = motoAccount(moto!);
  });
  afterAll(async () => {
    account?.destroy();
    await store?.close();
  });

  it("waits for every decision, then runs only the approved change and verifies it", async () => {
    const kms = account.client("kms");
    const approvedKey = (await kms.send(new CreateKeyCommand({ Description: "approve me" }))).KeyMetadata!
      .KeyId!;
    const rejectedKey = (await kms.send(new CreateKeyCommand({ Description: "reject me" }))).KeyMetadata!
      .KeyId!;
    const clock = new TestClock();
    const { scanId } = await scanAccount(store, account, ["kms"], clock);
    const service = await serviceFor(store, clock);
    const aws = awsFor(account);
    const graph = buildGraph(store, clock, { service, aws: () => aws, discovery: account.access });
    const cfg = { configurable: { thread_id: scanId } };

    const first = await graph.invoke({ scanId, requestedBy: "alice", autoRemediate: true }, cfg);
    const pending = pendingOf(first)!;
    expect(pending).toHaveLength(2);
    expect((await store.scans.get(scanId)).status).toBe("awaiting_approval");
    const idOf = (key: string) => pending.find((p) => p.resourceArn.endsWith(key))!.id;

    await service.decide(idOf(approvedKey), "bob", "approve");
    const second = await graph.invoke(new Command({ resume: "decided" }), cfg);
    const stillPending = pendingOf(second)!;
    expect(stillPending.map((p) => p.id)).toEqual([idOf(rejectedKey)]);
    const rotation = (KeyId: string) => kms.send(new GetKeyRotationStatusCommand({ KeyId }));
    expect((await rotation(approvedKey)).KeyRotationEnabled, "nothing runs while a request waits").toBe(
      false,
    );

    await service.decide(idOf(rejectedKey), "carol", "reject", "key is being retired");
    const done = await graph.invoke(new Command({ resume: "decided" }), cfg);
    expect(pendingOf(done)).toBeUndefined();
    expect(done.completedSteps).toEqual(["plan", "approve", "remediate", "verify"]);
    expect(done.remediation).toMatchObject({
      proposed: 2,
      approved: 1,
      rejected: 1,
      executed: 1,
      failed: 0,
      verified: 1,
      verificationFailed: 0,
    });
    expect((await rotation(approvedKey)).KeyRotationEnabled).toBe(true);
    expect((await rotation(rejectedKey)).KeyRotationEnabled).toBe(false);
    expect((await store.scans.get(scanId)).status).toBe("running");
    expect((await service.show(idOf(approvedKey))).remediationStatus).toBe("verified");
    expect((await service.show(idOf(rejectedKey))).executions).toEqual([]);
    // The plan node's re-runs proposed nothing twice.
    expect(await service.listApprovals({ scanId })).toHaveLength(2);
    aws.destroy();
  });

  it("with dryRun the remediate node sends nothing and records no execution", async () => {
    const kms = account.client("kms");
    const key = (await kms.send(new CreateKeyCommand({ Description: "dry run" }))).KeyMetadata!.KeyId!;
    const clock = new TestClock();
    const { scanId } = await scanAccount(store, account, ["kms"], clock);
    const service = await serviceFor(store, clock);
    let madeCredentials = 0;
    const graph = buildGraph(store, clock, {
      service,
      aws: () => {
        madeCredentials += 1;
        return awsFor(account);
      },
      discovery: account.access,
    });
    const cfg = { configurable: { thread_id: scanId } };
    const first = await graph.invoke(
      { scanId, requestedBy: "alice", autoRemediate: true, dryRun: true },
      cfg,
    );
    for (const p of pendingOf(first)!) {
      await service.decide(p.id, "bob", "approve");
    }
    const done = await graph.invoke(new Command({ resume: "ok" }), cfg);
    expect(done.remediation?.dryRun).toBeGreaterThan(0);
    expect(done.remediation?.executed).toBe(0);
    expect(madeCredentials).toBe(0);
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: key }))).KeyRotationEnabled).toBe(false);
    for (const r of await service.listApprovals({ scanId }))
      expect((await service.show(r.id)).executions).toEqual([]);
  });
});
