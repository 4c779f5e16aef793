import { describe } from "vitest";

/** Services that `bash scripts/services.sh up` starts for the tests. */
export type ServiceName = "postgres" | "redis" | "opensearch" | "moto";

/** The environment variable that holds each service's URL (see `.services/env`). */
export const SERVICE_ENV: Readonly<Record<ServiceName, string>> = {
  postgres: "TEST_DATABASE_URL",
  redis: "TEST_REDIS_URL",
  opensearch: "TEST_OPENSEARCH_URL",
  moto: "TEST_MOTO_URL",
};

/**
 * The URL of a test service, from its TEST_*_URL variable.
 * Unset: in CI (`CI=true`) this throws, so a missing service fails the run instead of silently
 * skipping tests; elsewhere it returns undefined and the caller skips (see `serviceDescribe`).
 */
export function requireService(name: ServiceName): string | undefined {
  const variable = SERVICE_ENV[name];
  const url = process.env[variable]?.trim();
  if (url) return url;
  if (process.env.CI === "true") {
    throw new Error(
      `Test service "${name}" is missing: ${variable} is not set. ` +
        "Run `bash scripts/services.sh up && source .services/env` before the tests.",
    );
  }
  return undefined;
}

/**
 * `describe` that runs only when the service is configured: the body receives the URL.
 * Outside CI a missing service skips the block; in CI it throws (see `requireService`).
 */
export function serviceDescribe(name: ServiceName, title: string, fn: (url: string) => void): void {
  const url = requireService(name);
  describe.skipIf(!url)(title, () => {
    if (url) fn(url);
  });
}
