/**
 * Continuous compliance shapes: what an event-driven evaluation changed. One definition each (zod → z.infer);
 * the store returns them and the API shows them.
 */
import { z } from "zod";
import { FINDING_STATUSES, frameworkRefSchema } from "./types.ts";

const isoTime = z.string().describe("ISO-8601 time");

/** A finding's status in its life across scans and evaluations: GONE once its resource was deleted. */
export const LIFE_STATUSES = [...FINDING_STATUSES, "GONE"] as const;
export const lifeStatusSchema = z.enum(LIFE_STATUSES).meta({ id: "LifeStatus" });
export type LifeStatus = z.infer<typeof lifeStatusSchema>;

export const transitionSchema = z
  .object({
    findingId: z.string(),
    checkId: z.string(),
    title: z.string(),
    severity: z.string(),
    resourceArn: z.string(),
    from: lifeStatusSchema.nullable().describe("null: the finding is new"),
    to: lifeStatusSchema,
    reason: z.string(),
    frameworks: z.array(frameworkRefSchema),
  })
  .meta({ id: "FindingTransition", description: "a finding's status change caused by an evaluation" });
export type Transition = z.infer<typeof transitionSchema>;

export const actorSchema = z
  .object({
    type: z.string().describe("IAMUser, AssumedRole, Root, AWSService, …"),
    arn: z.string(),
    name: z.string(),
    sourceIp: z.string().optional(),
  })
  .meta({ id: "Actor", description: "who made a change (CloudTrail userIdentity)" });

export const driftEventSchema = z
  .object({ eventId: z.string(), eventName: z.string(), source: z.string(), at: isoTime, actor: actorSchema })
  .meta({ id: "DriftEvent" });
export type DriftEvent = z.infer<typeof driftEventSchema>;

export const fieldChangeSchema = z.object({
  path: z.string(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});

export const driftRecordSchema = z
  .object({
    id: z.number().int(),
    evaluationId: z.string(),
    accountId: z.string(),
    region: z.string(),
    resourceType: z.string(),
    resourceId: z.string(),
    arn: z.string(),
    change: z.enum(["created", "modified", "deleted"]),
    at: isoTime.describe("when the (latest) call was made"),
    actor: z.string().describe("the caller's ARN"),
    actorType: z.string(),
    eventSource: z.string(),
    eventName: z.string(),
    events: z.array(driftEventSchema).describe("every call of the burst, oldest first"),
    beforeHash: z.string().nullable(),
    afterHash: z.string().nullable(),
    diff: z.object({ changes: z.array(fieldChangeSchema), truncated: z.boolean() }),
    transitions: z.array(transitionSchema),
  })
  .meta({
    id: "DriftRecord",
    description: "a resource changed by calls: who, when, which call, before/after",
  });
export type DriftRecord = z.infer<typeof driftRecordSchema>;

export const evaluationGapSchema = z.object({
  accountId: z.string(),
  service: z.string(),
  region: z.string(),
  code: z.string().optional(),
  error: z.string(),
});
export type EvaluationGapRecord = z.infer<typeof evaluationGapSchema>;

export const evaluationSchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    trigger: z.literal("event"),
    startedAt: isoTime,
    completedAt: isoTime,
    eventCount: z.number().int(),
    resources: z.array(
      z.object({ resourceType: z.string(), resourceId: z.string(), arn: z.string(), change: z.string() }),
    ),
    gaps: z.array(evaluationGapSchema).describe("what could not be read again (never a FAIL)"),
    transitions: z.array(transitionSchema),
  })
  .meta({
    id: "Evaluation",
    description: "one event-driven re-evaluation of the resources a burst of calls changed",
  });
export type EvaluationRecord = z.infer<typeof evaluationSchema>;

export const eventFailureSchema = z
  .object({
    messageId: z.string(),
    eventId: z.string().nullable(),
    attempts: z.number().int(),
    reason: z.string(),
    firstAt: isoTime,
    lastAt: isoTime,
    deadLettered: z.boolean(),
  })
  .meta({ id: "EventFailure" });
export type EventFailure = z.infer<typeof eventFailureSchema>;
