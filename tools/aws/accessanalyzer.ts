import {
  type AnalyzerSummary,
  ListAnalyzersCommand,
  ListFindingsCommand,
} from "@aws-sdk/client-accessanalyzer";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/** Analyzer types that report external (cross-account and public) access; the others report unused or internal access. */
const EXTERNAL_ACCESS = new Set(["ACCOUNT", "ORGANIZATION"]);
const isExternal = (a: Analyzer) => !a.$none && EXTERNAL_ACCESS.has(a.type ?? "");

type Analyzer = Partial<AnalyzerSummary> & { $none?: true };

/**
 * A region without an external-access analyzer gets a synthetic "not enabled" item (`$none`), like GuardDuty's
 * missing detector. The decision is taken per page of ListAnalyzers: an account has a handful of analyzers per
 * region, so the answer is one page in practice.
 */
const analyzers = resource({
  resourceType: "AWS::AccessAnalyzer::Analyzer",
  client: "accessanalyzer",
  list: {
    action: "access-analyzer:ListAnalyzers",
    command: ListAnalyzersCommand,
    paging: { input: "nextToken", output: "nextToken" },
    items: (page): Analyzer[] => {
      const listed: Analyzer[] = page.analyzers ?? [];
      return listed.some(isExternal) || page.nextToken ? listed : [...listed, { $none: true }];
    },
  },
  id: (a: Analyzer, ctx) => (a.$none ? `${ctx.accountId}:${ctx.region}:none` : a.arn),
  name: (a, ctx) => (a.$none ? `no external access analyzer in ${ctx.region}` : a.name),
  arn: (a, ctx) =>
    a.arn ?? `arn:${ctx.partition}:access-analyzer:${ctx.region}:${ctx.accountId}:analyzer/none`,
  configuration: (a) => ({
    analyzerExists: !a.$none,
    name: a.name ?? null,
    arn: a.arn ?? null,
    type: a.type ?? null,
    status: a.$none ? "NOT_ENABLED" : (a.status ?? null),
    statusReason: a.statusReason?.code ?? null,
    createdAt: a.createdAt ? a.createdAt.toISOString() : null,
    lastResourceAnalyzedAt: a.lastResourceAnalyzedAt ? a.lastResourceAnalyzedAt.toISOString() : null,
  }),
  tags: (a) => a.tags ?? {},
  details: [
    detail({
      // The external-access findings still open; ListFindings (v1) carries `isPublic`, which V2 does not.
      key: "activeFindings",
      action: "access-analyzer:ListFindings",
      command: ListFindingsCommand,
      paging: { input: "nextToken", output: "nextToken" },
      when: isExternal,
      input: (a: Analyzer) => ({ analyzerArn: a.arn, filter: { status: { eq: ["ACTIVE"] } } }),
      pick: (answer) =>
        (answer.findings ?? []).map((f) => ({
          id: f.id ?? null,
          resourceType: f.resourceType ?? null,
          resource: f.resource ?? null,
          resourceOwnerAccount: f.resourceOwnerAccount ?? null,
          isPublic: f.isPublic ?? false,
          action: f.action ?? [],
          status: f.status ?? null,
        })),
    }),
  ],
});

export const accessanalyzerSpec: ServiceSpec = {
  service: "accessanalyzer",
  global: false,
  resources: [analyzers],
};

/**
 * IAM Access Analyzer per region: its analyzers (type, status) and the active findings of the external-access
 * ones. moto implements no Access Analyzer call (it answers HTTP 500): a scan against it records a coverage gap.
 */
export const accessanalyzerCollector = specCollector(accessanalyzerSpec);
