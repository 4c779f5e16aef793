/**
 * Remediation's own AWS access. Scanning stays read-only on the default credential chain; changes are made
 * only with the remediation credentials: a role assumed through STS (ENFORCEAI_REMEDIATION_ROLE_ARN) or a named
 * profile (ENFORCEAI_REMEDIATION_PROFILE).
 */

import { ConfigError } from "../../src/errors.ts";
import { sendCall } from "../remediation/commands.ts";
import type { Exec } from "../remediation/types.ts";
import {
  ApiCallCounter,
  AwsClientSet,
  type AwsCredentials,
  type ClientFactory,
  type ClientKind,
  type ClientSettings,
  createClient,
  endpointFor,
} from "./clients.ts";
import { assumeRoleCredentials } from "./discover.ts";

export interface RemediationAws {
  homeRegion: string;
  clientsFor(region: string): AwsClientSet;
  /** Sends one planned call through the command registry. */
  exec: Exec;
  /** SDK commands sent, per `service:Operation`. */
  counter: ApiCallCounter;
  /** What the credentials are, for the audit trail (never a secret). */
  identity: string;
  destroy(): void;
}

export interface RemediationAwsOptions {
  roleArn?: string;
  profile?: string;
  endpoint?: string;
  /** Home region: IAM and S3 Control calls go there. Default AWS_REGION, then us-east-1. */
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
  const homeRegion =
    options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
  const base = options.clientFactory ?? createClient;
  let credentials: AwsCredentials | undefined;
  let factory: ClientFactory = base;
  let identity: string;
  if (options.roleArn) {
    credentials = assumeRoleCredentials(
      options.roleArn,
      undefined,
      options.sessionName ?? "enforceai-remediation",
      {
        region: homeRegion,
        endpoint: options.endpoint,
        credentials: options.sourceCredentials,
        clientFactory: base,
      },
    );
    identity = `role ${options.roleArn}`;
  } else {
    const profile = options.profile!;
    // The SDK clients read `profile` from their configuration: the default chain then uses that profile only.
    factory = ((kind: ClientKind, settings: ClientSettings) =>
      base(kind, { ...settings, profile } as ClientSettings)) as ClientFactory;
    identity = `profile ${profile}`;
  }
  const counter = new ApiCallCounter();
  const sets = new Map<string, AwsClientSet>();
  const clientsFor = (region: string): AwsClientSet => {
    let set = sets.get(region);
    if (!set) {
      set = new AwsClientSet(
        region,
        (kind) => ({
          region,
          endpoint: endpointFor(kind, options.endpoint),
          credentials,
          maxAttempts: options.maxAttempts ?? 3,
          retryMode: "standard",
        }),
        factory,
        counter,
      );
      sets.set(region, set);
    }
    return set;
  };
  return {
    homeRegion,
    clientsFor,
    exec: (call) => sendCall(clientsFor, homeRegion, call),
    counter,
    identity,
    destroy() {
      for (const set of sets.values()) set.destroy();
      sets.clear();
    },
  };
}
