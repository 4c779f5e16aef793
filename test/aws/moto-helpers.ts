import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type ClientFactory, type ClientKind, createClient } from "../../tools/aws/clients.ts";

/** Credentials moto accepts without checking; they act in moto's default account unless a role is assumed. */
export const DUMMY_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

/**
 * A fresh, random 12-digit account id. Test files share one moto server and run in parallel, so each file
 * works in an account of its own (moto switches accounts on AssumeRole) instead of resetting the server
 * under the others' feet.
 */
export function randomAccountId(): string {
  return String(200_000_000_000 + Math.floor(Math.random() * 700_000_000_000));
}

/** Credentials for `accountId` in moto: an assumed role in that account (the role need not exist in moto). */
export function accountCredentials(endpoint: string, accountId: string, sessionName = "enforceai-test") {
  return fromTemporaryCredentials({
    params: { RoleArn: `arn:aws:iam::${accountId}:role/enforceai-test`, RoleSessionName: sessionName },
    masterCredentials: DUMMY_CREDENTIALS,
    clientConfig: { endpoint, region: "us-east-1" },
  });
}

/** An error shaped like the SDK's service errors, so that the retry strategy classifies it as AWS would. */
export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode } });
}

export interface Attempt {
  kind: ClientKind;
  region: string;
  operation: string;
  /** 1 for the first try of a command, 2 for its first retry, … (from the SDK's `amz-sdk-request` header) */
  attempt: number;
  /** The command's input, e.g. `{ RoleArn }` of an AssumeRole. */
  input: Record<string, unknown>;
}

type Handler = (args: { request?: unknown; input?: unknown }) => Promise<unknown>;
interface Stack {
  add(
    middleware: (next: Handler, context: { commandName?: string }) => Handler,
    options: { step: "deserialize"; name: string },
  ): void;
}

/**
 * Wraps a client factory with middleware that sees every attempt (it runs inside the SDK's retry loop) and
 * may fail it instead of sending it. Every attempt, failed or sent, is appended to `attempts`.
 */
export function faultyClientFactory(
  inject: (attempt: Attempt) => Error | undefined,
  attempts: Attempt[] = [],
  base: ClientFactory = createClient,
): ClientFactory {
  return (kind, settings) => {
    const client = base(kind, settings);
    (client.middlewareStack as unknown as Stack).add(
      (next, context) => async (args) => {
        const headers = (args.request as { headers?: Record<string, string> } | undefined)?.headers ?? {};
        const attempt: Attempt = {
          kind,
          region: settings.region,
          operation: (context.commandName ?? "").replace(/Command$/, ""),
          attempt: Number(/attempt=(\d+)/.exec(headers["amz-sdk-request"] ?? "")?.[1] ?? 1),
          input: (args.input ?? {}) as Record<string, unknown>,
        };
        attempts.push(attempt);
        const error = inject(attempt);
        if (error) throw error;
        return next(args);
      },
      { step: "deserialize", name: "testFaultInjection" },
    );
    return client;
  };
}

/** The item of a type with a name (Name tag, user name, bucket name, …); fails the test when absent. */
export function byName(
  items: readonly ConfigurationItem[],
  resourceType: string,
  name: string,
  region?: string,
) {
  const found = items.filter(
    (i) =>
      i.resourceType === resourceType &&
      i.resourceName === name &&
      (region === undefined || i.awsRegion === region),
  );
  if (found.length !== 1) {
    throw new Error(
      `expected one ${resourceType} named ${name}${region ? ` in ${region}` : ""}, found ${found.length}`,
    );
  }
  return found[0]!;
}

export function ofType(items: readonly ConfigurationItem[], resourceType: string, region?: string) {
  return items.filter(
    (i) => i.resourceType === resourceType && (region === undefined || i.awsRegion === region),
  );
}
