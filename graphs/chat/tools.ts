/**
 * The chat agent's tools. Each answers with data wrapped as `<tool-data>` (see data.ts). The two that change
 * something check the caller's role themselves: starting a scan needs operator, and so does proposing a
 * remediation — which only creates an approval request in the queue; no tool can apply a change.
 */
import { tool } from "langchain";
import { z } from "zod";
import type { Principal } from "../../src/domain/roles.ts";
import { roleAtLeast } from "../../src/domain/roles.ts";
import type { InventorySource } from "../../src/domain/scan.ts";
import { FINDING_STATUSES, type Finding, SEVERITIES } from "../../src/domain/types.ts";
import { errorMessage } from "../../src/errors.ts";
import { buildReport } from "../../src/report/build.ts";
import { wrapToolData } from "./data.ts";
import type { ChatDeps } from "./types.ts";

export interface ChatContext {
  principal: Principal;
}

interface Runtime {
  context?: ChatContext;
}

export const TOOL_NAMES = [
  "posture_summary",
  "search_findings",
  "resource_details",
  "explain_control",
  "compare_scans",
  "start_scan",
  "propose_remediation",
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** A finding as the tools show it: enough to answer and to cite, nothing more. */
export function briefFinding(f: Finding) {
  return {
    id: f.id,
    checkId: f.checkId,
    title: f.title,
    severity: f.severity,
    status: f.status,
    suppressed: f.suppressed,
    resourceType: f.resourceType,
    resourceName: f.resourceName,
    resourceArn: f.resourceArn,
    region: f.region,
    accountId: f.accountId,
    reason: f.reason,
    frameworks: f.frameworks.slice(0, 8),
  };
}

/** Bounds a JSON value's size for the model: long strings cut, big objects summarised. */
export function bounded(value: unknown, maxChars = 6000): unknown {
  const text = JSON.stringify(value);
  if (text === undefined || text.length <= maxChars) return value;
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    let used = 2;
    for (const [k, v] of Object.entries(value)) {
      const piece = JSON.stringify(v) ?? "null";
      if (used + piece.length > maxChars) {
        out[k] = typeof v === "object" && v !== null ? "(omitted: too large)" : String(v).slice(0, 200);
      } else {
        out[k] = v;
      }
      used += Math.min(piece.length, 200) + k.length + 4;
    }
    return out;
  }
  return `${text.slice(0, maxChars)}… (truncated)`;
}

function principalOf(runtime: Runtime | undefined): Principal | undefined {
  return runtime?.context?.principal;
}

function guarded<T>(name: ToolName, fn: (input: T, runtime: Runtime | undefined) => Promise<unknown>) {
  return async (input: T, runtime?: Runtime) => {
    try {
      return wrapToolData(name, await fn(input, runtime));
    } catch (error) {
      return wrapToolData(name, { error: errorMessage(error).split("\n")[0] });
    }
  };
}

export function buildChatTools(deps: ChatDeps) {
  const store = deps.store;

  const postureSummary = tool(
    guarded("posture_summary", async (input: { scanId?: string }) => {
      const scan = await store.reads.resolveScan(input.scanId);
      const report = await buildReport(store, await deps.catalog(), scan.id);
      const failingControls = report.posture.controls
        .filter((c) => c.status === "FAIL")
        .sort(
          (a, b) =>
            b.failed - a.failed || a.controlId.localeCompare(b.controlId, undefined, { numeric: true }),
        )
        .slice(0, 8)
        .map((c) => ({
          framework: c.framework,
          controlId: c.controlId,
          title: c.title,
          failed: c.failed,
          worstSeverity: c.worstSeverity,
        }));
      const topFindings = report.findings
        .filter((f) => f.status === "FAIL" && !f.suppressed)
        .slice(0, 5)
        .map(briefFinding);
      return {
        scan: {
          id: scan.id,
          completedAt: scan.completedAt,
          resourceCount: scan.resourceCount,
          findingCount: scan.findingCount,
          accounts: scan.accounts,
        },
        scores: report.scan.scores,
        totals: report.posture.totals,
        failingBySeverity: Object.fromEntries(
          Object.entries(report.posture.bySeverity).map(([sev, t]) => [sev, t.failed]),
        ),
        failingControls,
        topFindings,
      };
    }),
    {
      name: "posture_summary",
      description:
        "The compliance posture of a scan (default: the latest completed one): score per framework, totals, failing " +
        "controls and the worst failing findings.",
      schema: z.object({
        scanId: z.string().optional().describe("a scan id; omit for the latest completed scan"),
      }),
    },
  );

  const findingSearch = tool(
    guarded(
      "search_findings",
      async (input: {
        framework?: string;
        controlId?: string;
        severity?: string[];
        status?: string;
        service?: string;
        region?: string;
        accountId?: string;
        resourceType?: string;
        text?: string;
        scanId?: string;
        limit?: number;
      }) => {
        const scan = await store.reads.resolveScan(input.scanId);
        const { findings, total } = await store.reads.searchFindings({
          scanId: scan.id,
          framework: input.framework,
          controlId: input.controlId,
          severity: input.severity,
          status: input.status ? [input.status] : ["FAIL"],
          service: input.service,
          region: input.region,
          accountId: input.accountId,
          resourceType: input.resourceType,
          text: input.text,
          limit: Math.min(input.limit ?? 10, 20),
        });
        return { scanId: scan.id, total, shown: findings.length, findings: findings.map(briefFinding) };
      },
    ),
    {
      name: "search_findings",
      description:
        "Search the findings of a scan (default: the latest completed one; default status FAIL) by framework, " +
        "control, severity, service, region, account, resource type and words of the check title.",
      schema: z.object({
        framework: z.string().optional().describe("framework id, e.g. pci-dss-4.0"),
        controlId: z.string().optional().describe("control id within the framework"),
        severity: z.array(z.enum(SEVERITIES)).optional(),
        status: z.enum(FINDING_STATUSES).optional(),
        service: z.string().optional().describe("service: s3, iam, ec2, rds, lambda, cloudtrail, kms"),
        region: z.string().optional(),
        accountId: z.string().optional(),
        resourceType: z.string().optional().describe("e.g. AWS::RDS::DBInstance"),
        text: z.string().optional().describe("words of the check title, e.g. encryption"),
        scanId: z.string().optional(),
        limit: z.number().int().min(1).max(20).optional(),
      }),
    },
  );

  const resourceDetails = tool(
    guarded("resource_details", async (input: { arn?: string; resourceId?: string }) => {
      let item = input.arn ? await store.resources.findByArn(input.arn) : undefined;
      if (!item && (input.resourceId || input.arn)) {
        const { items } = await store.resources.list({ search: input.resourceId ?? input.arn, limit: 1 });
        item = items[0];
      }
      if (!item) return { error: `no resource ${input.arn ?? input.resourceId ?? ""} in the inventory` };
      const latest = await store.reads.latestCompletedScan();
      const findings = latest ? await store.reads.findingsOfResource(latest.id, item.arn) : [];
      return {
        resource: {
          arn: item.arn,
          resourceType: item.resourceType,
          resourceId: item.resourceId,
          resourceName: item.resourceName,
          region: item.awsRegion,
          accountId: item.accountId,
          tags: item.tags,
          configuration: bounded(item.configuration, 4000),
          capturedAt: item.configurationItemCaptureTime,
        },
        scanId: latest?.id ?? null,
        findings: findings.slice(0, 15).map(briefFinding),
      };
    }),
    {
      name: "resource_details",
      description:
        "One resource's configuration, tags and what the latest scan found about it (by ARN or resource id).",
      schema: z.object({
        arn: z.string().optional().describe("the resource ARN"),
        resourceId: z.string().optional().describe("the resource id or name, when the ARN is not known"),
      }),
    },
  );

  const explainControl = tool(
    guarded("explain_control", async (input: { framework: string; controlId: string }) => {
      const catalog = await deps.catalog();
      const fw = catalog.frameworks.find((f) => f.id === input.framework);
      if (!fw)
        return {
          error: `unknown framework "${input.framework}"; known: ${catalog.frameworks.map((f) => f.id).join(", ")}`,
        };
      const control = fw.controls.find((c) => c.id === input.controlId);
      if (!control) return { error: `framework ${fw.id} has no control "${input.controlId}"` };
      const search = await deps.retrieval();
      let passages: Awaited<ReturnType<NonNullable<typeof search>["search"]>> = [];
      if (search) {
        const query = `${control.id} ${control.title}. ${control.description}`;
        passages = await search.search(query, { k: 4, frameworks: [fw.id], controlIds: [control.id] });
        if (passages.length === 0) passages = await search.search(query, { k: 3, frameworks: [fw.id] });
      }
      const latest = await store.reads.latestCompletedScan();
      const failing = latest
        ? (
            await store.reads.searchFindings({
              scanId: latest.id,
              framework: fw.id,
              controlId: control.id,
              status: ["FAIL"],
              limit: 5,
            })
          ).findings
        : [];
      return {
        framework: { id: fw.id, name: fw.name, version: fw.version },
        control: {
          id: control.id,
          title: control.title,
          section: control.section,
          description: control.description,
          checks: control.checks ?? [],
          manual: !control.checks,
        },
        passages: passages.map((p) => ({
          id: p.id,
          framework: p.framework,
          controlId: p.controlId,
          source: p.source,
          section: p.location.section,
          text: p.text.slice(0, 700),
        })),
        retrieval: search ? "available" : "unavailable",
        scanId: latest?.id ?? null,
        failingFindings: failing.map(briefFinding),
      };
    }),
    {
      name: "explain_control",
      description:
        "What a framework control requires, with passages retrieved from the framework documents (cite them) and " +
        "the latest scan's failing findings for it.",
      schema: z.object({
        framework: z.string().describe("framework id, e.g. cis-aws-3.0"),
        controlId: z.string().describe("control id, e.g. 1.4 or AC-2"),
      }),
    },
  );

  const compareScans = tool(
    guarded("compare_scans", async (input: { from?: string; to?: string }) => {
      let from = input.from ? await store.scans.get(input.from) : undefined;
      let to = input.to ? await store.scans.get(input.to) : undefined;
      if (!from || !to) {
        const completed = await store.scans.list({ status: ["completed"], limit: 2 });
        to ??= completed[0];
        from ??= completed.find((s) => s.id !== to?.id);
      }
      if (!from || !to) return { error: "two completed scans are needed to compare; run another scan first" };
      const changed = async (a: string, b: string) => {
        return (await store.reads.newFailures(a, b, 10)).map(briefFinding);
      };
      const frameworks = [...new Set([...Object.keys(from.scores), ...Object.keys(to.scores)])].sort();
      return {
        from: { id: from.id, startedAt: from.startedAt, findingCount: from.findingCount },
        to: { id: to.id, startedAt: to.startedAt, findingCount: to.findingCount },
        scores: Object.fromEntries(
          frameworks.map((id) => {
            const a = from!.scores[id]?.score ?? null;
            const b = to!.scores[id]?.score ?? null;
            return [
              id,
              { from: a, to: b, delta: a !== null && b !== null ? Math.round((b - a) * 10) / 10 : null },
            ];
          }),
        ),
        newFailures: await changed(from.id, to.id),
        resolved: (await changed(to.id, from.id)).map((f) => ({ ...f, status: "no longer failing" })),
      };
    }),
    {
      name: "compare_scans",
      description:
        "Compare two scans (default: the two latest completed): score change per framework, findings that started " +
        "failing and findings that no longer fail.",
      schema: z.object({
        from: z.string().optional().describe("the earlier scan id"),
        to: z.string().optional().describe("the later scan id"),
      }),
    },
  );

  const startScan = tool(
    guarded(
      "start_scan",
      async (input: { demo?: boolean; regions?: string[]; frameworks?: string[] }, runtime) => {
        const principal = principalOf(runtime);
        if (!principal || !roleAtLeast(principal.role, "operator")) {
          return {
            refused: `starting a scan needs the operator role; you have ${principal?.role ?? "no role"}`,
          };
        }
        if (!deps.startScan) return { error: "starting scans is not available here" };
        const source: InventorySource =
          input.demo || !input.regions?.length ? { kind: "demo" } : { kind: "live", regions: input.regions };
        const scan = await deps.startScan({
          source,
          frameworks: input.frameworks,
          requestedBy: principal.identity,
        });
        return {
          scan: { id: scan.id, status: scan.status, source: scan.source, frameworks: scan.frameworks },
        };
      },
    ),
    {
      name: "start_scan",
      description:
        "Start a scan (operator role): the bundled sample account (demo) or live regions with the server's " +
        "credentials. Only when the user asks for a scan.",
      schema: z.object({
        demo: z.boolean().optional().describe("scan the bundled sample account"),
        regions: z.array(z.string()).optional().describe("live scan of these regions"),
        frameworks: z.array(z.string()).optional(),
      }),
    },
  );

  const proposeRemediation = tool(
    guarded(
      "propose_remediation",
      async (input: { findingId: string; reason?: string; scanId?: string }, runtime) => {
        const principal = principalOf(runtime);
        if (!principal || !roleAtLeast(principal.role, "operator")) {
          return {
            refused: `proposing a remediation needs the operator role; you have ${principal?.role ?? "no role"}`,
          };
        }
        const scan = await store.reads.resolveScan(input.scanId);
        const finding = await store.findings.find(scan.id, input.findingId);
        if (!finding) return { error: `scan ${scan.id} has no finding "${input.findingId}"` };
        if (finding.status !== "FAIL" || finding.suppressed) {
          return {
            error: `finding ${finding.id} is ${finding.suppressed ? "suppressed" : finding.status}; only failing findings are fixed`,
          };
        }
        if (!deps.proposeRemediation) return { error: "remediation proposals are not available here" };
        const requests = await deps.proposeRemediation({
          finding,
          scanId: scan.id,
          requestedBy: principal.identity,
          reason: input.reason,
        });
        const check = (await deps.catalog()).checks.find((c) => c.check.id === finding.checkId)?.check;
        return {
          finding: briefFinding(finding),
          applied: false,
          note: "Proposed only: a person with the approver role must approve it before anything changes.",
          approvalRequests: requests.map((r) => ({
            id: r.id,
            title: r.title,
            strategy: r.strategy,
            status: r.status,
            risk: r.risk,
            expiresAt: r.expiresAt,
          })),
          fixSteps: requests.length === 0 ? (check?.remediation.steps ?? []) : undefined,
        };
      },
    ),
    {
      name: "propose_remediation",
      description:
        "Propose the fix for one failing finding (operator role). It creates an approval request in the queue; it " +
        "never applies anything. Only when the user asks to fix or remediate.",
      schema: z.object({
        findingId: z.string().describe("the finding id, as returned by the other tools"),
        reason: z.string().optional().describe("why, in the user's words"),
        scanId: z.string().optional(),
      }),
    },
  );

  return [
    postureSummary,
    findingSearch,
    resourceDetails,
    explainControl,
    compareScans,
    startScan,
    proposeRemediation,
  ];
}
