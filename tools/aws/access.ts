/**
 * One AWS access value: credentials, endpoints, home region, retries and the SDK clients made with them.
 * Discovery (read-only scanning credentials), remediation (its own role or profile) and verification (the scan's
 * access again) each take one; nothing else builds SDK clients or credential providers.
 */
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { fromIni, fromNodeProviderChain, fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { UsageError } from "../../src/errors.ts";
import {
  ApiCallCounter,
  AwsClientSet,
  type AwsCredentials,
  type ClientFactory,
  type ClientKind,
  type ClientSettings,
  createClient,
  type RetryMode,
} from "./clients.ts";

export interface AwsAccessOptions {
  /** Where global services (IAM, S3 listing, STS) are called; config.aws.homeRegion. */
  homeRegion: string;
  /** One endpoint for every service (an emulator); config.aws.endpoint. */
  endpoint?: string;
  /** Per-service endpoints over `endpoint` (AWS_ENDPOINT_URL_<SERVICE>, resolved by config). */
  serviceEndpoints?: Partial<Record<ClientKind, string>>;
  /** Credentials to use as they are (static keys or a provider). Wins over `roleArn` and `profile`. */
  credentials?: AwsCredentials;
  /** Assume this role through STS (credentials refreshed by the SDK before they expire). */
  roleArn?: string;
  /** The shared secret the role's trust policy may demand of a third party. */
  externalId?: string;
  /** RoleSessionName of the assumed role (2-64 of letters, digits and +=,.@-). */
  sessionName?: string;
  /** What assumes `roleArn`; default the SDK's default chain. */
  sourceCredentials?: AwsCredentials;
  /** A named profile of the shared config files. */
  profile?: string;
  /** SDK attempts per call, first try included. */
  maxAttempts?: number;
  retryMode?: RetryMode;
  /** Builds the SDK clients; tests wrap `createClient` to add middleware. */
  clientFactory?: ClientFactory;
}

export interface AwsAccess {
  readonly homeRegion: string;
  /** What the credentials are, for progress lines and the audit trail (never a secret). */
  readonly identity: string;
  /** SDK commands sent through this access, per `service:Operation`. */
  readonly counter: ApiCallCounter;
  /** The clients of one region, made on first use and kept until `destroy()`. */
  clientsFor(region: string): AwsClientSet;
  /** Closes every client (their sockets would keep the process alive). */
  destroy(): void;
}

type Identity = { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };

/** Credentials this close to their expiry are fetched again. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Every SDK client memoizes its credentials on its own, so an access with 9 clients in 17 regions would assume
 * the role once per client. This shares one session (and one call in flight) among them; the SDK provider still
 * makes the call.
 */
function sharedAcrossClients<T extends Identity>(provider: () => Promise<T>): () => Promise<T> {
  let current: T | undefined;
  let pending: Promise<T> | undefined;
  return async () => {
    if (current?.expiration && current.expiration.getTime() - Date.now() > REFRESH_MARGIN_MS) return current;
    pending ??= provider()
      .then((fresh) => {
        current = fresh;
        return fresh;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/.+/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

export function awsAccess(options: AwsAccessOptions): AwsAccess {
  const factory = options.clientFactory ?? createClient;
  const endpointOf = (kind: ClientKind) => options.serviceEndpoints?.[kind] ?? options.endpoint;
  const settingsFor = (region: string, kind: ClientKind): ClientSettings => ({
    region,
    endpoint: endpointOf(kind),
    credentials,
    ...(options.profile && !options.credentials && !options.roleArn ? { profile: options.profile } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: options.retryMode ?? "standard",
  });
  const helpers: { destroy(): void }[] = [];
  let credentials: AwsCredentials;
  let identity: string;
  if (options.credentials) {
    credentials = options.credentials;
    identity = "the given credentials";
  } else if (options.roleArn) {
    const roleArn = options.roleArn;
    const sessionName = options.sessionName ?? "enforceai";
    if (!ROLE_ARN.test(roleArn)) {
      throw new UsageError(`"${roleArn}" is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)`);
    }
    if (!SESSION_NAME.test(sessionName)) {
      throw new UsageError(
        `session name "${sessionName}" must be 2-64 characters of letters, digits and +=,.@-`,
      );
    }
    // The SDK provider keeps the session and refreshes it before it expires; its AssumeRole call is sent
    // through a client of this access, so that it uses the same endpoint, retries and client factory.
    const sts = factory("sts", {
      ...settingsFor(options.homeRegion, "sts"),
      credentials: options.sourceCredentials ?? fromNodeProviderChain(),
    });
    helpers.push(sts);
    credentials = sharedAcrossClients(
      fromTemporaryCredentials({
        params: {
          RoleArn: roleArn,
          RoleSessionName: sessionName,
          ...(options.externalId ? { ExternalId: options.externalId } : {}),
        },
        clientConfig: { region: options.homeRegion },
        clientPlugins: [
          {
            applyToStack(stack) {
              stack.add(
                () => async (args: { input: object }) => ({
                  output: await sts.send(new AssumeRoleCommand(args.input as never)),
                  response: {},
                }),
                {
                  step: "initialize",
                  name: "enforceaiAssumeRoleThroughAccess",
                  priority: "high",
                  // The provider applies its plugins on every call, to the same client.
                  override: true,
                },
              );
            },
          },
        ],
      }),
    );
    identity = `role ${roleArn}`;
  } else if (options.profile) {
    credentials = fromIni({ profile: options.profile });
    identity = `profile ${options.profile}`;
  } else {
    credentials = fromNodeProviderChain();
    identity = "the default credential chain";
  }

  const counter = new ApiCallCounter();
  const sets = new Map<string, AwsClientSet>();
  return {
    homeRegion: options.homeRegion,
    identity,
    counter,
    clientsFor(region) {
      let set = sets.get(region);
      if (!set) {
        set = new AwsClientSet(region, (kind) => settingsFor(region, kind), factory, counter);
        sets.set(region, set);
      }
      return set;
    },
    destroy() {
      for (const set of sets.values()) set.destroy();
      sets.clear();
      for (const helper of helpers) helper.destroy();
    },
  };
}
