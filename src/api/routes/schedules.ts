import { ScheduleService } from "../../services/schedules.ts";
import { SCHEDULE_SOURCES } from "../../store/schedules.ts";
import { type AnyRoute, route, z } from "../http.ts";
import { idParams, startScanSchema } from "../schemas.ts";

const TAG = "schedules";
const isoTime = z.string().describe("ISO-8601 time");

/** What a schedule scans: the choices of POST /scans (the sample account or a live scope, frameworks). */
const scheduleOptionsSchema = startScanSchema
  .pick({ demo: true, scope: true, frameworks: true })
  .strict()
  .meta({ id: "ScheduleScanOptions" });

const cronField = z
  .string()
  .min(1)
  .max(200)
  .describe('a five-field cron expression (minute hour day-of-month month day-of-week), e.g. "0 3 * * *"');
const timezoneField = z.string().min(1).max(100).describe("an IANA time zone the expression is read in");

export const scheduleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    cron: z.string(),
    timezone: z.string(),
    options: scheduleOptionsSchema,
    enabled: z.boolean(),
    source: z.enum(SCHEDULE_SOURCES).describe("config: ENFORCEAI_SCAN_SCHEDULE; api: made through this API"),
    createdBy: z.string(),
    createdAt: isoTime,
    updatedBy: z.string(),
    updatedAt: isoTime,
    nextRunAt: isoTime.nullable().describe("the next tick; null while disabled"),
    lastRunAt: isoTime.nullable(),
    lastScanId: z.string().nullable().describe("the scan the last tick started"),
    lastError: z.string().nullable().describe("why the last tick could not start a scan"),
  })
  .meta({ id: "Schedule" });

const scheduleListSchema = z.object({ items: z.array(scheduleSchema) }).meta({ id: "ScheduleList" });

const createScheduleSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits and . _ - only")
      .describe("a unique name"),
    cron: cronField,
    timezone: timezoneField.optional().describe("an IANA time zone (default UTC)"),
    options: scheduleOptionsSchema,
    enabled: z.boolean().optional().describe("default true"),
  })
  .strict()
  .meta({ id: "CreateSchedule" });

const updateScheduleSchema = z
  .object({
    cron: cronField.optional(),
    timezone: timezoneField.optional(),
    options: scheduleOptionsSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, {
    message: "give at least one of cron, timezone, options, enabled",
  })
  .meta({ id: "UpdateSchedule" });

export function scheduleRoutes(): AnyRoute[] {
  return [
    route({
      method: "get",
      path: "/schedules",
      operationId: "listSchedules",
      summary: "Scheduled scans, by name",
      tag: TAG,
      role: "viewer",
      responses: { 200: { description: "the schedules", schema: scheduleListSchema } },
      async handler({ services }) {
        return { status: 200, body: { items: await new ScheduleService(services.app).list() } };
      },
    }),
    route({
      method: "get",
      path: "/schedules/:id",
      operationId: "getSchedule",
      summary: "One scheduled scan",
      tag: TAG,
      role: "viewer",
      params: idParams,
      errors: [404],
      responses: { 200: { description: "the schedule", schema: scheduleSchema } },
      async handler({ params, services }) {
        return { status: 200, body: await new ScheduleService(services.app).get(params.id) };
      },
    }),
    route({
      method: "post",
      path: "/schedules",
      operationId: "createSchedule",
      summary: "Schedule a scan",
      description:
        "`serve` starts the scan at each tick of the cron expression, once however many servers run. Ticks are at " +
        'least 5 minutes apart. The name "default" is kept for ENFORCEAI_SCAN_SCHEDULE.',
      tag: TAG,
      role: "operator",
      body: createScheduleSchema,
      errors: [409, 415],
      responses: {
        201: {
          description: "created",
          schema: scheduleSchema,
          headers: { Location: { description: "the schedule's URL", schema: z.string() } },
        },
      },
      async handler({ body, principal, services }) {
        const created = await new ScheduleService(services.app).create(body, principal.identity);
        return { status: 201, body: created, headers: { Location: `/api/v1/schedules/${created.id}` } };
      },
    }),
    route({
      method: "patch",
      path: "/schedules/:id",
      operationId: "updateSchedule",
      summary: "Enable, disable or change a scheduled scan",
      description:
        "The schedule of ENFORCEAI_SCAN_SCHEDULE can only be enabled or disabled here (409 otherwise).",
      tag: TAG,
      role: "operator",
      params: idParams,
      body: updateScheduleSchema,
      errors: [404, 409, 415],
      responses: { 200: { description: "updated", schema: scheduleSchema } },
      async handler({ params, body, principal, services }) {
        return {
          status: 200,
          body: await new ScheduleService(services.app).update(params.id, body, principal.identity),
        };
      },
    }),
    route({
      method: "delete",
      path: "/schedules/:id",
      operationId: "deleteSchedule",
      summary: "Remove a scheduled scan",
      description:
        "The schedule of ENFORCEAI_SCAN_SCHEDULE cannot be deleted (409): disable it, or unset the variable.",
      tag: TAG,
      role: "operator",
      params: idParams,
      errors: [404, 409],
      responses: { 204: { description: "deleted" } },
      async handler({ params, principal, services }) {
        await new ScheduleService(services.app).delete(params.id, principal.identity);
        return { status: 204 };
      },
    }),
  ];
}
