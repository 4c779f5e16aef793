/**
 * RFC 9457 problem details: every error the API answers with has this one JSON shape, served as
 * `application/problem+json`. The product's error hierarchy (src/errors.ts) already carries the HTTP status and a
 * short kind; the kind becomes the problem `type`.
 */
import type { Request, Response } from "express";
import { z } from "zod";
import { EnforceAIError, errorMessage, type FieldError, issuesToErrors } from "../errors.ts";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Problem types are URNs: stable identifiers that need no web page to exist (docs/api.md lists them). */
export const problemType = (kind: string) => `urn:enforceai:problem:${kind}`;

export const fieldErrorSchema = z
  .object({
    path: z.string().describe("where the problem is: body.frameworks.0, query.limit, params.id"),
    message: z.string(),
  })
  .meta({ id: "FieldError" }) satisfies z.ZodType<FieldError>;

export const problemSchema = z
  .object({
    type: z.string().describe("a URN naming the kind of problem, e.g. urn:enforceai:problem:validation"),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string(),
    instance: z.string().describe("the request path"),
    errors: z.array(fieldErrorSchema).optional().describe("field-level messages (validation problems only)"),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details" });

export type Problem = z.infer<typeof problemSchema>;
export type { FieldError };
export { issuesToErrors };

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

const KINDS: Record<number, string> = {
  400: "validation",
  401: "unauthorized",
  403: "forbidden",
  404: "not-found",
  405: "method-not-allowed",
  406: "not-acceptable",
  409: "conflict",
  413: "payload-too-large",
  415: "unsupported-media-type",
  429: "rate-limited",
  500: "internal",
  503: "service-unavailable",
};

/** An error raised by the HTTP layer itself, with the exact status and optional response headers. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly options: { kind?: string; errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = "HttpProblem";
  }
}

export function validationProblem(errors: FieldError[], detail?: string): HttpProblem {
  const first = errors[0];
  return new HttpProblem(
    400,
    detail ?? (first ? `invalid request: ${first.path}: ${first.message}` : "invalid request"),
    { kind: "validation", errors },
  );
}

export function problemOf(
  status: number,
  detail: string,
  instance: string,
  extra: Partial<Problem> = {},
): Problem {
  return {
    type: problemType(extra.type ?? KINDS[status] ?? (status >= 500 ? "internal" : "client-error")),
    title: TITLES[status] ?? (status >= 500 ? "Server Error" : "Client Error"),
    status,
    detail,
    instance,
    ...(extra.errors ? { errors: extra.errors } : {}),
  };
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  message?: string;
}

/**
 * Maps any thrown value to a problem. Known errors keep their status and message; anything else is a 500 whose
 * detail says nothing about internals (the log has them).
 */
export function toProblem(
  error: unknown,
  instance: string,
): { problem: Problem; headers: Record<string, string> } {
  if (error instanceof HttpProblem) {
    return {
      problem: {
        ...problemOf(error.status, error.detail, instance),
        type: problemType(error.options.kind ?? KINDS[error.status] ?? "client-error"),
        ...(error.options.errors ? { errors: error.options.errors } : {}),
      },
      headers: error.options.headers ?? {},
    };
  }
  if (error instanceof EnforceAIError) {
    const status = error.httpStatus;
    const problem = problemOf(
      status,
      status >= 500 && status !== 503 ? "internal error" : error.message,
      instance,
    );
    problem.type = problemType(error.kind);
    const issues = error.details?.issues;
    const fields = error.details?.errors;
    if (status === 400 && Array.isArray(fields)) problem.errors = fields as FieldError[];
    else if (status === 400 && Array.isArray(issues))
      problem.errors = issuesToErrors(issues as z.core.$ZodIssue[], "");
    return { problem, headers: {} };
  }
  if (error instanceof URIError) {
    // Express could not decode the path (`%FF`) on a route outside the API's own handling: the caller's mistake.
    const problem = problemOf(400, "the request path is not valid percent-encoded UTF-8", instance);
    problem.errors = [{ path: "params", message: "is not valid percent-encoded UTF-8" }];
    return { problem, headers: {} };
  }
  const bp = error as BodyParserError;
  if (bp && typeof bp === "object" && typeof bp.status === "number" && bp.expose) {
    // body-parser: entity.too.large (413), entity.parse.failed (400), encoding.unsupported (415), …
    const status = bp.status;
    const detail =
      bp.type === "entity.too.large"
        ? "the request body is larger than this endpoint accepts"
        : bp.type === "entity.parse.failed"
          ? `the request body is not valid JSON: ${errorMessage(error)}`
          : errorMessage(error);
    const problem = problemOf(status, detail, instance);
    if (bp.type === "entity.parse.failed") problem.errors = [{ path: "body", message: "not valid JSON" }];
    return { problem, headers: {} };
  }
  return { problem: problemOf(500, "internal error", instance), headers: {} };
}

export function sendProblem(req: Request, res: Response, error: unknown): Problem {
  const { problem, headers } = toProblem(error, req.originalUrl.split("?")[0] ?? req.path);
  if (res.headersSent) {
    res.end();
    return problem;
  }
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (problem.status === 401 && !res.getHeader("WWW-Authenticate")) {
    res.setHeader("WWW-Authenticate", 'Bearer realm="enforceai"');
  }
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  return problem;
}
