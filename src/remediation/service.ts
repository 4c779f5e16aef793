/**
 * The remediation module as its callers (the scan graph's nodes, the CLI, the API, chat) use it: the approval
 * queue, the executor and the verifier over one store and clock, with the planner behind the queue. This file
 * only wires them; each concern lives in its own module.
 */
import type { RemediationSettings } from "../config/index.ts";
import type { Clock } from "../domain/types.ts";
import type { Catalog } from "../engine/catalog.ts";
import type { Logger } from "../logger.ts";
import type { RemediationPolicy } from "../planning/strategy.ts";
import type { Store } from "../store/index.ts";
import { Executor } from "./executor.ts";
import { ApprovalQueue } from "./queue.ts";
import { Verifier } from "./verifier.ts";

export type { AwsSource, ExecuteOptions, ExecuteTarget, ExecutionOutcome } from "./executor.ts";
export type { ApprovalDetail, ApprovalSummary, ProposeOptions } from "./queue.ts";
export type { DiscoveryAccess, VerificationResult } from "./verifier.ts";

export interface RemediationDeps {
  store: Store;
  clock: Clock;
  catalog: () => Promise<Catalog>;
  settings: RemediationSettings;
  /** Loaded once by the composition root (knowledge/remediation-policy.yaml or ENFORCEAI_REMEDIATION_POLICY_FILE). */
  policy: RemediationPolicy;
  logger?: Logger;
  fetchImpl?: typeof fetch;
}

export class RemediationService {
  readonly queue: ApprovalQueue;
  readonly executor: Executor;
  readonly verifier: Verifier;

  constructor(deps: RemediationDeps) {
    this.queue = new ApprovalQueue(deps);
    this.executor = new Executor({ ...deps, queue: this.queue });
    this.verifier = new Verifier(deps);
  }

  get settings(): RemediationSettings {
    return this.queue.settings;
  }
  get policy(): RemediationPolicy {
    return this.queue.policy;
  }

  proposeForScan: ApprovalQueue["proposeForScan"] = (...args) => this.queue.proposeForScan(...args);
  expireOverdue: ApprovalQueue["expireOverdue"] = (...args) => this.queue.expireOverdue(...args);
  listApprovals: ApprovalQueue["listApprovals"] = (...args) => this.queue.listApprovals(...args);
  history: ApprovalQueue["history"] = (...args) => this.queue.history(...args);
  queueState: ApprovalQueue["queueState"] = (...args) => this.queue.queueState(...args);
  show: ApprovalQueue["show"] = (...args) => this.queue.show(...args);
  decide: ApprovalQueue["decide"] = (...args) => this.queue.decide(...args);
  executeApproved: Executor["executeApproved"] = (...args) => this.executor.executeApproved(...args);
  rollback: Executor["rollback"] = (...args) => this.executor.rollback(...args);
  verify: Verifier["verify"] = (...args) => this.verifier.verify(...args);
  verifyScan: Verifier["verifyScan"] = (...args) => this.verifier.verifyScan(...args);
}
