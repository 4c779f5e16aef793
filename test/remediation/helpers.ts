/**
 * Shared set-up of the remediation tests: a moto account of their own (random id, reached by AssumeRole), a
 * scan of chosen services stored like the scan graph stores one, and a service with a test clock.
 */
import { randomBytes } from "node:crypto";
import type { RemediationSettings } from "../../src/config/index.ts";
import { assess } from "../../src/engine/assess.ts";
import { type Catalog, loadCatalog } from "../../src/engine/catalog.ts";
import { parseRemediationPolicy, type RemediationPolicy } from "../../src/planning/strategy.ts";
import { remediationAws } from "../../src/remediation/credentials.ts";
import { RemediationService } from "../../src/remediation/service.ts";
import type { DiscoveryAccess } from "../../src/remediation/verifier.ts";
import type { Store } from "../../src/store/index.ts";
import { awsAccess } from "../../tools/aws/access.ts";
import type { ClientFactory, ClientKind, ClientKinds } from "../../tools/aws/clients.ts";
import { createClient } from "../../tools/aws/clients.ts";
import { discoverAccount } from "../../tools/aws/discover.ts";
import { accountCredentials, DUMMY_CREDENTIALS, randomAccountId } from "../aws/moto-helpers.ts";

export const REGION = "us-east-1";

let knowledgePromise: Promise<Catalog> | undefined;
export function catalog(): Promise<Catalog> {
  knowledgePromise ??= loadCatalog();
  return knowledgePromise;
}

export function suffix(): string {
  return randomBytes(4).toString("hex");
}

/** A moto account of the test's own, with the clients to build violating resources in it. */
export interface MotoAccount {
  endpoint: string;
  accountId: string;
  /** The role the remediation credentials assume (moto needs no such role to exist). */
  roleArn: string;
  credentials: ReturnType<typeof accountCredentials>;
  client<K extends ClientKind>(kind: K, region?: string): ClientKinds[K];
  /** Read-only access for discovery and verification. */
  access: DiscoveryAccess;
  destroy(): void;
}

export function motoAccount(endpoint: string): MotoAccount {
  const accountId = randomAccountId();
  const credentials = accountCredentials(endpoint, accountId);
  const made: { destroy(): void }[] = [];
  return {
    endpoint,
    accountId,
    roleArn: `arn:aws:iam::${accountId}:role/enforceai-remediation`,
    credentials,
    client(kind, region = REGION) {
      const c = createClient(kind, { region, endpoint, credentials, maxAttempts: 2, retryMode: "standard" });
      made.push(c);
      return c;
    },
    access: () => awsAccess({ endpoint, credentials, homeRegion: REGION }),
    destroy() {
      for (const c of made) c.destroy();
    },
  };
}

/** The remediation credentials for the account: the role assumed through STS, as in production. */
export function awsFor(account: MotoAccount, clientFactory?: ClientFactory) {
  return remediationAws({
    roleArn: account.roleArn,
    endpoint: account.endpoint,
    region: REGION,
    sourceCredentials: DUMMY_CREDENTIALS,
    clientFactory,
  });
}

/** A clock the test moves by hand. */
export class TestClock {
  constructor(public now: Date = new Date()) {}
  readonly fn = () => new Date(this.now);
  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }
}

export const IMMEDIATE_POLICY: RemediationPolicy = parseRemediationPolicy(
  `version: 1
expiryHours: 72
default: { strategy: immediate, rationale: "test policy: everything runs once approved" }
rules:
  - name: owner-asked-for-manual
    when: { tags: { "enforceai:remediation": [manual] } }
    strategy: manual
    rationale: The owner asked for a manual change.
  - name: owner-asked-for-scheduled
    when: { tags: { "enforceai:remediation": [scheduled] } }
    strategy: scheduled
    rationale: The owner asked for the maintenance window.
  - name: owner-asked-for-compensating
    when: { tags: { "enforceai:remediation": [compensating] } }
    strategy: compensating
    rationale: The owner documented another control.
compensating:
  default: Another control covers it.
`,
  "test policy",
);

export function testSettings(over: Partial<RemediationSettings> = {}): RemediationSettings {
  return { approvers: ["alice", "bob", "carol"], twoApproversFor: [], leaseSeconds: 900, ...over };
}

export async function serviceFor(
  store: Store,
  clock: TestClock,
  over: {
    settings?: Partial<RemediationSettings>;
    policy?: RemediationPolicy;
    fetchImpl?: typeof fetch;
  } = {},
): Promise<RemediationService> {
  return new RemediationService({
    store,
    clock: clock.fn,
    catalog,
    settings: testSettings(over.settings),
    policy: over.policy ?? IMMEDIATE_POLICY,
    fetchImpl: over.fetchImpl,
  });
}

/**
 * Discovers the account (the chosen services, one region), stores the inventory and the findings under a new
 * scan as the scan graph does, and answers the scan id and its findings.
 */
export async function scanAccount(store: Store, account: MotoAccount, services: string[], clock: TestClock) {
  const inventory = await discoverAccount({
    endpoint: account.endpoint,
    credentials: account.credentials,
    regions: [REGION],
    services,
    homeRegion: REGION,
    maxAttempts: 2,
    clock: clock.fn,
  });
  return storeScan(store, inventory.items, clock);
}

export async function storeScan(store: Store, items: Parameters<typeof assess>[0], clock: TestClock) {
  const k = await catalog();
  const scanId = `scan-test-${suffix()}`;
  const now = clock.fn();
  await store.scans.create({
    id: scanId,
    source: "live",
    requestedBy: "alice",
    startedAt: now,
    frameworks: [],
  });
  await store.resources.saveScanInventory(scanId, items);
  const { findings } = assess(items, k, k.frameworks, [], now);
  await store.findings.recordScan(scanId, findings, now);
  return { scanId, items: [...items], findings };
}

/** Copies a scan (inventory and findings) under a new id: a second proposal round without re-discovery. */
export async function copyScan(store: Store, scanId: string, clock: TestClock) {
  return storeScan(store, await store.resources.scanInventory(scanId), clock);
}

/** The request of a scan for an action on a resource. */
export async function requestFor(
  service: RemediationService,
  scanId: string,
  actionId: string,
  resourceId: string,
) {
  const list = await service.listApprovals({ scanId });
  const found = list.filter((a) => a.actionId === actionId && a.resourceId === resourceId);
  if (found.length !== 1) {
    throw new Error(
      `expected one ${actionId} request for ${resourceId}, found ${found.length} among ${list
        .map((a) => `${a.actionId}:${a.resourceId}`)
        .join(", ")}`,
    );
  }
  return found[0]!;
}

/**
 * A client factory that counts the commands sent (per `Operation`, across every client it makes) and fails
 * those `deny` names with AccessDenied, as IAM would.
 */
export function countingFactory(deny: (operation: string) => boolean = () => false) {
  const counts = new Map<string, number>();
  const factory: ClientFactory = (kind, settings) => {
    const client = createClient(kind, settings);
    (
      client.middlewareStack as unknown as {
        add(mw: unknown, options: { step: string; name: string; override?: boolean }): void;
      }
    ).add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: unknown) => {
          const operation = (context.commandName ?? "").replace(/Command$/, "");
          if (deny(operation)) {
            throw Object.assign(new Error(`User is not authorized to perform ${operation}`), {
              name: "AccessDenied",
              $fault: "client",
              $metadata: { httpStatusCode: 403 },
            });
          }
          counts.set(operation, (counts.get(operation) ?? 0) + 1);
          return next(args);
        },
      { step: "initialize", name: "testCounter", override: true },
    );
    return client;
  };
  return { factory, count: (operation: string) => counts.get(operation) ?? 0, counts };
}
