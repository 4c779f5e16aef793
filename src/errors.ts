import type { z } from "zod";

/**
 * One error hierarchy for the whole product. Each class carries the CLI exit code (CONTRACT.md) and the HTTP
 * status the API answers with, so the edges never guess.
 */
export class EnforceAIError extends Error {
  readonly exitCode: number = 3;
  readonly httpStatus: number = 500;
  /** A short machine-readable kind, used as the problem `type` suffix in the API. */
  readonly kind: string = "internal";

  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Wrong command-line usage or arguments. */
export class UsageError extends EnforceAIError {
  override readonly exitCode = 2;
  override readonly httpStatus = 400;
  override readonly kind = "usage";
}

/** A bad environment variable or configuration file. */
export class ConfigError extends EnforceAIError {
  override readonly exitCode = 2;
  override readonly httpStatus = 500;
  override readonly kind = "configuration";
}

/** Input that does not satisfy a schema: a check file, a framework file, a request body. */
export class ValidationError extends EnforceAIError {
  override readonly exitCode = 2;
  override readonly httpStatus = 400;
  override readonly kind = "validation";
}

export class NotFoundError extends EnforceAIError {
  override readonly exitCode = 2;
  override readonly httpStatus = 404;
  override readonly kind = "not-found";
}

/** The request conflicts with the current state (already decided, already running, expired). */
export class ConflictError extends EnforceAIError {
  override readonly exitCode = 2;
  override readonly httpStatus = 409;
  override readonly kind = "conflict";
}

export class UnauthorizedError extends EnforceAIError {
  override readonly exitCode = 2;
  override readonly httpStatus = 401;
  override readonly kind = "unauthorized";
}

/** The identity is known but may not do this (role too low, approving one's own request). */
export class ForbiddenError extends EnforceAIError {
  override readonly exitCode = 2;
  override readonly httpStatus = 403;
  override readonly kind = "forbidden";
}

/** Input larger than the configured limit. */
export class PayloadTooLargeError extends EnforceAIError {
  override readonly exitCode = 2;
  override readonly httpStatus = 413;
  override readonly kind = "payload-too-large";
}

/** A backend (database, cache, index, AWS, model) could not be used. */
export class ServiceError extends EnforceAIError {
  override readonly exitCode = 3;
  override readonly httpStatus = 503;
  override readonly kind = "service-unavailable";
}

/** The embedded data directory is held by another process. */
export class LockedError extends EnforceAIError {
  override readonly exitCode = 3;
  override readonly httpStatus = 503;
  override readonly kind = "locked";
}

export function isEnforceAIError(error: unknown): error is EnforceAIError {
  return error instanceof EnforceAIError;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** One invalid field of a request or a file: where (`body.check.id`) and what is wrong with it. */
export interface FieldError {
  path: string;
  message: string;
}

/** zod issues as field errors under a prefix (`body`, `query`, a file name). */
export function issuesToErrors(issues: readonly z.core.$ZodIssue[], prefix: string): FieldError[] {
  return issues.map((issue) => {
    const parts = issue.path.map(String);
    const path = [prefix, ...parts].filter((p) => p !== "").join(".") || prefix || "(request)";
    return { path, message: issue.message };
  });
}

/** A ValidationError naming the fields; the API answers it as a 400 problem with `errors`. */
export function invalidFields(errors: FieldError[], detail?: string): ValidationError {
  const first = errors[0];
  return new ValidationError(
    detail ?? (first ? `invalid request: ${first.path}: ${first.message}` : "invalid request"),
    { errors },
  );
}
