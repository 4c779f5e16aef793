import {
  ApiCallCounter,
  AwsClientSet,
  type ClientFactory,
  type ClientKind,
  createClient,
} from "../../tools/aws/clients.ts";
import type { CollectorContext } from "../../tools/aws/collector.ts";
import { DUMMY_CREDENTIALS } from "./moto-helpers.ts";

/**
 * SDK clients whose commands never leave the process: each `kind:Operation` is answered by a function of its
 * input (an output object, or an error to throw). An unexpected call fails loudly, so a test also proves
 * which calls a collector makes. Used for answers moto cannot give (fields it does not model, AWS's encodings).
 */
export type StubAnswers = Record<
  string,
  (input: Record<string, unknown>) => object | Error | Promise<object | Error>
>;

type Handler = (args: { input?: unknown }) => Promise<unknown>;
interface Stack {
  add(
    middleware: (next: Handler, context: { commandName?: string }) => Handler,
    options: { step: "initialize"; name: string; priority: "low" },
  ): void;
}

export function stubClientFactory(answers: StubAnswers, calls: string[] = []): ClientFactory {
  return (kind, settings) => {
    const client = createClient(kind, settings);
    (client.middlewareStack as unknown as Stack).add(
      (_next, context) => async (args) => {
        const key = `${kind}:${(context.commandName ?? "").replace(/Command$/, "")}`;
        calls.push(key);
        const answer = answers[key];
        if (!answer) throw new Error(`unexpected SDK call ${key}`);
        const output = await answer((args.input ?? {}) as Record<string, unknown>);
        if (output instanceof Error) throw output;
        return { output: { $metadata: {}, ...output }, response: {} };
      },
      // After the call counter (normal priority), before anything that would serialize or send.
      { step: "initialize", name: "testStub", priority: "low" },
    );
    return client;
  };
}

export interface StubContext {
  ctx: CollectorContext;
  gaps: Array<{ what: string; error: unknown }>;
  counter: ApiCallCounter;
}

/** A collector context over stubbed clients, for one account and region. */
export function stubContext(
  answers: StubAnswers,
  options: { region?: string; regions?: string[]; perResourceConcurrency?: number; calls?: string[] } = {},
): StubContext {
  const region = options.region ?? "us-east-1";
  const factory = stubClientFactory(answers, options.calls);
  const counter = new ApiCallCounter();
  const sets = new Map<string, AwsClientSet>();
  const clientsFor = (r: string): AwsClientSet => {
    let set = sets.get(r);
    if (!set) {
      set = new AwsClientSet(
        r,
        (_kind: ClientKind) => ({
          region: r,
          credentials: DUMMY_CREDENTIALS,
          maxAttempts: 1,
          retryMode: "standard",
        }),
        factory,
        counter,
      );
      sets.set(r, set);
    }
    return set;
  };
  const gaps: StubContext["gaps"] = [];
  const ctx: CollectorContext = {
    accountId: "111122223333",
    partition: "aws",
    region,
    regions: options.regions ?? [region],
    clients: clientsFor(region),
    clientsFor,
    now: () => new Date("2026-01-02T03:04:05.000Z"),
    perResourceConcurrency: options.perResourceConcurrency ?? 4,
    recordGap: (what, error) => gaps.push({ what, error }),
  };
  return { ctx, gaps, counter };
}
