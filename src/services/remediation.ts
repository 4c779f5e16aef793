/**
 * The remediation module and its AWS access, built from the Runtime: the settings and the policy come from the
 * composition root (config.remediation, the policy loaded once), the endpoints and home region from config.aws.
 */
import { type AwsAccess, awsAccess } from "../../tools/aws/access.ts";
import type { Catalog } from "../engine/catalog.ts";
import { type RemediationAws, remediationAws } from "../remediation/credentials.ts";
import { RemediationService } from "../remediation/service.ts";
import type { Runtime } from "./runtime.ts";

export async function remediationService(
  app: Runtime,
  catalog: () => Promise<Catalog> = () => app.catalog(),
): Promise<RemediationService> {
  return new RemediationService({
    store: app.store,
    clock: app.clock,
    catalog,
    settings: app.config.remediation,
    policy: await app.remediationPolicy(),
    logger: app.logger,
  });
}

/** The remediation credentials (ENFORCEAI_REMEDIATION_ROLE_ARN / _PROFILE); throws ConfigError without them. */
export function remediationAccess(app: Runtime): RemediationAws {
  const { aws, remediation } = app.config;
  return remediationAws({
    roleArn: remediation.roleArn,
    profile: remediation.profile,
    endpoint: aws.endpoint,
    serviceEndpoints: aws.serviceEndpoints,
    region: aws.homeRegion,
    maxAttempts: aws.maxAttempts,
  });
}

/** Read-only scanning access: the scanned account's role when there is one, else the default chain. */
export function scanAccess(
  app: Runtime,
  role?: { roleArn: string; externalId?: string; sessionName: string },
): AwsAccess {
  const { aws } = app.config;
  return awsAccess({
    homeRegion: aws.homeRegion,
    endpoint: aws.endpoint,
    serviceEndpoints: aws.serviceEndpoints,
    maxAttempts: aws.maxAttempts ?? 5,
    retryMode: aws.retryMode,
    ...role,
  });
}
