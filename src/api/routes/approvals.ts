/**
 * The remediation approval queue and the history of remediations, over the remediation module. Approving needs
 * the approver role, and four eyes: a key may not approve a request made by any identity it answers to (its
 * name or `key:<id>`, compared normalised: `Alice` and `alice ` are one person). Nothing here applies a change: execution belongs to the scan graph's remediate step.
 */
import { sameIdentity } from "../../domain/identity.ts";
import { ForbiddenError } from "../../errors.ts";
import { APPROVAL_STATUSES, REMEDIATION_STATUSES } from "../../store/remediations.ts";
import { type AnyRoute, route, z } from "../http.ts";
import { csvEnum, idParams, pagingQuery, severitySchema } from "../schemas.ts";

const approvalStatusSchema = z.enum(APPROVAL_STATUSES).meta({ id: "ApprovalStatus" });

export const executionSchema = z
  .object({
    id: z.string(),
    remediationId: z.string(),
    idempotencyKey: z.string(),
    status: z.enum(["running", "succeeded", "failed"]),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: "RemediationExecution" });

export const approvalSummarySchema = z
  .object({
    id: z.string(),
    remediationId: z.string(),
    scanId: z.string().nullable(),
    actionId: z.string(),
    title: z.string(),
    strategy: z.string(),
    status: approvalStatusSchema,
    remediationStatus: z.string(),
    risk: z.string(),
    severity: severitySchema,
    resourceType: z.string(),
    resourceId: z.string(),
    resourceArn: z.string(),
    region: z.string(),
    findingIds: z.array(z.string()),
    requestedBy: z.string(),
    reason: z.string(),
    requiredApprovals: z.number().int(),
    approvals: z.number().int(),
    expiresAt: z.string(),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
  })
  .meta({ id: "ApprovalSummary" });

export const approvalDetailSchema = approvalSummarySchema
  .extend({
    plan: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe("the exact SDK calls and the before/after fields"),
    planError: z.string().nullable(),
    planHash: z.string(),
    findings: z.array(z.record(z.string(), z.unknown())),
    strategyDecision: z.record(z.string(), z.unknown()),
    decisions: z.array(
      z.object({
        approvalId: z.string(),
        decidedBy: z.string(),
        decision: z.enum(["approve", "reject"]),
        comment: z.string().nullable(),
        decidedAt: z.string(),
      }),
    ),
    executions: z.array(executionSchema),
    priorConfiguration: z.record(z.string(), z.unknown()).nullable(),
    verification: z.record(z.string(), z.unknown()).nullable(),
    audit: z.array(
      z.object({
        id: z.number(),
        at: z.string(),
        actor: z.string(),
        action: z.string(),
        subjectType: z.string(),
        subjectId: z.string(),
        details: z.record(z.string(), z.unknown()),
      }),
    ),
  })
  .meta({ id: "ApprovalDetail" });

const decisionSchema = z
  .object({ comment: z.string().max(2000).optional().describe("why; kept in the audit log") })
  .strict()
  .meta({ id: "ApprovalDecision" });

const approvalParams = idParams;

export const remediationHistorySchema = z
  .object({
    items: z.array(approvalSummarySchema.extend({ executions: z.array(executionSchema) })),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .meta({ id: "RemediationHistory" });

export function approvalRoutes(): AnyRoute[] {
  const decide = (decision: "approve" | "reject") =>
    route({
      method: "post",
      path: `/approvals/:id/${decision}`,
      operationId: `${decision}Approval`,
      summary:
        decision === "approve"
          ? "Approve a remediation request (approver; not your own request)"
          : "Reject a remediation request (approver)",
      tag: "approvals",
      role: "approver",
      params: approvalParams,
      body: decisionSchema,
      bodyOptional: true,
      errors: [404, 409],
      responses: { 200: { description: "the request after the decision", schema: approvalDetailSchema } },
      async handler({ params, body, principal, services }) {
        const remediation = await services.remediation();
        if (decision === "approve") {
          const request = await remediation.show(params.id);
          if (principal.identities.some((identity) => sameIdentity(identity, request.requestedBy))) {
            throw new ForbiddenError(
              `${request.requestedBy} requested ${params.id} and cannot approve it (four eyes); another approver must decide`,
            );
          }
        }
        const detail = await remediation.decide(params.id, principal.identity, decision, body?.comment, {
          isApprover: true,
        });
        return { status: 200, body: detail };
      },
    });

  return [
    route({
      method: "get",
      path: "/approvals",
      operationId: "listApprovals",
      summary: "Remediation requests (pending by default)",
      tag: "approvals",
      role: "viewer",
      query: z
        .object({
          status: csvEnum(APPROVAL_STATUSES, "request statuses (default pending)").optional(),
          scanId: z.string().min(1).max(200).optional(),
          ...pagingQuery,
        })
        .strict(),
      responses: {
        200: {
          description: "the requests",
          schema: z
            .object({
              items: z.array(approvalSummarySchema),
              limit: z.number().int(),
              offset: z.number().int(),
            })
            .meta({ id: "ApprovalList" }),
        },
      },
      async handler({ query, services }) {
        const remediation = await services.remediation();
        const items = await remediation.listApprovals({
          status: query.status ?? ["pending"],
          scanId: query.scanId,
          limit: query.limit,
          offset: query.offset,
        });
        return { status: 200, body: { items, limit: query.limit, offset: query.offset } };
      },
    }),
    route({
      method: "get",
      path: "/approvals/:id",
      operationId: "getApproval",
      summary: "One request: the exact calls, before/after, decisions, executions and audit trail",
      tag: "approvals",
      role: "viewer",
      params: approvalParams,
      errors: [404],
      responses: { 200: { description: "the request", schema: approvalDetailSchema } },
      async handler({ params, services }) {
        return { status: 200, body: await (await services.remediation()).show(params.id) };
      },
    }),
    decide("approve"),
    decide("reject"),
    route({
      method: "get",
      path: "/remediations",
      operationId: "listRemediations",
      summary: "Remediation history: every request with its executions and their results",
      tag: "approvals",
      role: "viewer",
      query: z
        .object({
          status: csvEnum(REMEDIATION_STATUSES, "remediation statuses").optional(),
          scanId: z.string().min(1).max(200).optional(),
          ...pagingQuery,
        })
        .strict(),
      responses: { 200: { description: "the history", schema: remediationHistorySchema } },
      async handler({ query, services }) {
        const remediation = await services.remediation();
        // Filtered and paged in SQL; the page's executions come in one more query.
        const items = await remediation.history({
          scanId: query.scanId,
          remediationStatus: query.status,
          limit: query.limit,
          offset: query.offset,
        });
        return { status: 200, body: { items, limit: query.limit, offset: query.offset } };
      },
    }),
  ];
}
