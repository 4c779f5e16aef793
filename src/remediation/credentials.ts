/**
 * Remediation's own AWS access. Scanning stays read-only on its credentials; changes are made only with the
 * remediation credentials: a role assumed through STS (ENFORCEAI_REMEDIATION_ROLE_ARN) or a named profile
 * (ENFORCEAI_REMEDIATION_PROFILE).
 */
import { type AwsAccess, awsAccess } from "../../tools/aws/access.ts";
import type { AwsCredentials, ClientFactory, ClientKind } from "../../tools/aws/clients.ts";
import { sendCall } from "../../tools/remediation/commands.ts";
import type { Exec } from "../../tools/remediation/types.ts";
import { DEFAULT_AWS_REGION } from "../config/index.ts";
import { ConfigError } from "../errors.ts";

/** The remediation access: an AWS access that also sends planned calls through the command registry. */
export interface RemediationAws extends AwsAccess {
  /** Sends one planned call (only commands of the registry can be sent). */
  exec: Exec;
}

export interface RemediationAwsOptions {
  roleArn?: string;
  profile?: string;
  endpoint?: string;
  serviceEndpoints?: Partial<Record<ClientKind, string>>;
  /** Home region: IAM and S3 Control calls go there (config.aws.homeRegion). */
  region?: string;
  clientFactory?: ClientFactory;
  /** The credentials that assume the role (default: the SDK's default chain). */
  sourceCredentials?: AwsCredentials;
  sessionName?: string;
  maxAttempts?: number;
}

export function remediationAws(options: RemediationAwsOptions): RemediationAws {
  if (!options.roleArn && !options.profile) {
    throw new ConfigError(
      "remediation needs its own credentials: set ENFORCEAI_REMEDIATION_ROLE_ARN (a role assumed through STS) or " +
        "ENFORCEAI_REMEDIATION_PROFILE (a named profile); the scanning credentials stay read-only",
    );
  }
  const access = awsAccess({
    homeRegion: options.region ?? DEFAULT_AWS_REGION,
    endpoint: options.endpoint,
    serviceEndpoints: options.serviceEndpoints,
    roleArn: options.roleArn,
    sessionName: options.sessionName ?? "enforceai-remediation",
    sourceCredentials: options.sourceCredentials,
    profile: options.roleArn ? undefined : options.profile,
    maxAttempts: options.maxAttempts ?? 3,
    clientFactory: options.clientFactory,
  });
  return withExec(access);
}

/** Adds the registry's `exec` to an access. */
export function withExec(access: AwsAccess): RemediationAws {
  return {
    ...access,
    exec: (call) => sendCall((region) => access.clientsFor(region), access.homeRegion, call),
  };
}
