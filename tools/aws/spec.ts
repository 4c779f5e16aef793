/**
 * Collectors as data. A service is declared as a list of resource specs — which client, which listing (command,
 * paging, items), how an item is named, which per-item calls fill `supplementaryConfiguration`, which IAM actions
 * every call needs — and one runner executes them with the collectors' shared concurrency, gap and error rules.
 * Code remains only where a service's shape needs it (a selector here, a small mapping there).
 *
 * The rules the runner keeps for every spec:
 * - a listing that fails is a coverage gap (nothing is invented), unless its error code is one the spec declares
 *   as "not enabled here" (Security Hub not subscribed), which yields the spec's `absent` items instead;
 * - a detail call that fails is a `$error` marker under its key, never a missing field (a missing permission
 *   must not read as a missing setting); an error code the detail declares as "not configured" becomes `null`;
 * - every call goes through the access's clients, so it is counted, retried and cancellable like any other.
 */
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import type { ClientKind, ClientKinds } from "./clients.ts";
import {
  type Collector,
  type CollectorContext,
  errorCode,
  item,
  type ServiceName,
  supplementary,
} from "./collector.ts";
import { createLimiter, type Limiter, mapLimit } from "./concurrency.ts";

/** An SDK v3 command class (`new DescribeLogGroupsCommand(input)`). */
// biome-ignore lint/suspicious/noExplicitAny: a command class of any client; its types are inferred per use
export type CommandClass = new (input: any) => { input: unknown; resolveMiddleware: (...args: any[]) => any };
/** The input a command class takes. */
export type InputOf<C extends CommandClass> = ConstructorParameters<C>[0];
/** The answer a command class resolves to (read from its middleware handler's output). */
export type OutputOf<C extends CommandClass> = Awaited<
  ReturnType<ReturnType<InstanceType<C>["resolveMiddleware"]>>
>["output"];

/** Names of the page token in a command's input and answer (`NextToken`/`NextToken`, `Marker`/`NextMarker`); the answer's may be a dotted path. */
export interface Paging {
  input: string;
  output: string;
}

/** One SDK call a spec makes, with the IAM action it needs (`logs:DescribeLogGroups`). */
export interface CallSpec<C extends CommandClass = CommandClass> {
  action: string;
  command: C;
  /** Sent page after page while the answer carries `paging.output`; without it, one call. */
  paging?: Paging;
}

export interface ListSpec<C extends CommandClass, Raw> extends CallSpec<C> {
  input?: InputOf<C>;
  /** The listed things of one page. */
  items(page: OutputOf<C>): readonly Raw[] | undefined;
  /**
   * Error codes that mean "this feature is not enabled here" (e.g. Security Hub's `InvalidAccessException`):
   * the listing then yields `absent()` instead of a coverage gap.
   */
  absentWhen?: readonly string[];
  absent?(ctx: CollectorContext): Raw[];
}

/** A per-item call; its answer lands in `supplementaryConfiguration[key]`. */
export interface DetailSpec<Raw, C extends CommandClass = CommandClass> extends CallSpec<C> {
  key: string;
  input(raw: Raw, ctx: CollectorContext): InputOf<C>;
  /** What to keep of the answer (for paged calls: of every page, concatenated when arrays). */
  pick(answer: OutputOf<C>, raw: Raw): unknown;
  /** Error codes that mean "not configured" (`NoSuchBucketPolicy`): the value is `null`, not an error. */
  absentWhen?: readonly string[];
  /** Whether the call applies to this item; when not, the key holds `otherwise` (default `null`). */
  when?(raw: Raw): boolean;
  otherwise?: unknown;
}

export interface ResourceSpec<Raw = Record<string, unknown>, L extends CommandClass = CommandClass> {
  /** The AWS Config name of the type (`AWS::Logs::LogGroup`). */
  resourceType: string;
  client: ClientKind;
  list: ListSpec<L, Raw>;
  /** Listed things without an id are dropped (an API answer missing its key field is not a resource). */
  id(raw: Raw, ctx: CollectorContext): string | undefined;
  name?(raw: Raw, ctx: CollectorContext): string | undefined;
  arn(raw: Raw, ctx: CollectorContext): string;
  /** The recorded configuration; default: the listed object with lowerCamel keys. */
  configuration?(raw: Raw, ctx: CollectorContext): Record<string, unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: each detail infers its own command's types (see `detail`)
  details?: readonly DetailSpec<Raw, any>[];
  /** Tags carried by the listed object. */
  tags?(raw: Raw): Record<string, string>;
  /** Tags read by a call per item (its `pick` answers `{ key: value }`); a failure is kept as `supplementaryConfiguration.tags`. */
  // biome-ignore lint/suspicious/noExplicitAny: as for details
  tagsCall?: DetailSpec<Raw, any>;
}

/** A service declared as resource specs: regional ones run per region, global ones once per account. */
export interface ServiceSpec {
  service: ServiceName;
  global: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: a service's specs each have their own raw type
  resources: readonly ResourceSpec<any, any>[];
}

/** Declares a resource spec with its listing's and raw item's types inferred. */
export function resource<L extends CommandClass, Raw>(spec: ResourceSpec<Raw, L>): ResourceSpec<Raw, L> {
  return spec;
}

/** Declares a detail call with its command's input and answer types inferred. */
export function detail<Raw, C extends CommandClass>(spec: DetailSpec<Raw, C>): DetailSpec<Raw, C> {
  return spec;
}

/** Every call a service spec declares. */
export function specCalls(spec: ServiceSpec): CallSpec[] {
  return spec.resources.flatMap((r) => [r.list, ...(r.details ?? []), ...(r.tagsCall ? [r.tagsCall] : [])]);
}

/** Every IAM action a service spec's calls need, sorted. */
export function specActions(spec: ServiceSpec): string[] {
  return [...new Set(specCalls(spec).map((c) => c.action))].sort();
}

/** The collector that runs a service spec (and carries it, for the policy and its tests). */
export function specCollector(spec: ServiceSpec): Collector & { spec: ServiceSpec } {
  return {
    spec,
    service: spec.service,
    global: spec.global,
    actions: specActions(spec),
    async collect(ctx) {
      const parts = await Promise.all(spec.resources.map((r) => collectResource(ctx, r, spec.global)));
      return parts.flat();
    },
  };
}

type Send = (command: unknown) => Promise<unknown>;

function sender(ctx: CollectorContext, kind: ClientKind): Send {
  const client = ctx.clients.get(kind) as ClientKinds[ClientKind];
  return (client.send as Send).bind(client);
}

/** Sends a call, following its paging; answers the pages. */
async function pages(send: Send, call: CallSpec, input: unknown): Promise<unknown[]> {
  const answers: unknown[] = [];
  let token: unknown;
  do {
    const pageInput =
      call.paging && token !== undefined ? { ...(input as object), [call.paging.input]: token } : input;
    const answer = (await send(new call.command(pageInput ?? {}))) as Record<string, unknown>;
    answers.push(answer);
    // A dotted output names a token inside the answer (CloudFront's `DistributionList.NextMarker`).
    const next = call.paging?.output
      .split(".")
      .reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], answer);
    // An emulator that answers the same token again would loop forever.
    token = next !== undefined && next !== null && next !== "" && next !== token ? next : undefined;
  } while (token !== undefined);
  return answers;
}

async function collectResource(
  ctx: CollectorContext,
  spec: ResourceSpec<unknown, CommandClass>,
  global: boolean,
): Promise<ConfigurationItem[]> {
  const send = sender(ctx, spec.client);
  let raws: unknown[];
  try {
    const answers = await pages(send, spec.list, spec.list.input);
    raws = answers.flatMap((page) => [...(spec.list.items(page) ?? [])]);
  } catch (error) {
    if (spec.list.absentWhen?.includes(errorCode(error))) raws = spec.list.absent?.(ctx) ?? [];
    else {
      ctx.recordGap(spec.list.action.split(":")[1] ?? spec.list.action, error);
      return [];
    }
  }
  const limit = createLimiter(ctx.perResourceConcurrency);
  const items = await mapLimit(raws, ctx.perResourceConcurrency, (raw) =>
    resourceItem(ctx, spec, raw, send, limit, global),
  );
  return items.filter((i): i is ConfigurationItem => i !== null);
}

async function resourceItem(
  ctx: CollectorContext,
  spec: ResourceSpec<unknown, CommandClass>,
  raw: unknown,
  send: Send,
  limit: Limiter,
  global: boolean,
): Promise<ConfigurationItem | null> {
  const id = spec.id(raw, ctx);
  if (!id) return null;
  if (ctx.wants && !ctx.wants(spec.resourceType, id, spec.name?.(raw, ctx), spec.arn(raw, ctx))) return null;
  const details = spec.details ?? [];
  const [values, tagsAnswer] = await Promise.all([
    Promise.all(details.map((d) => runDetail(ctx, d, raw, send, limit))),
    spec.tagsCall ? runDetail(ctx, spec.tagsCall, raw, send, limit) : undefined,
  ]);
  const supplementaryConfiguration: Record<string, unknown> = {};
  details.forEach((d, i) => {
    supplementaryConfiguration[d.key] = values[i];
  });
  let tags = spec.tags?.(raw) ?? {};
  if (spec.tagsCall) {
    if (tagsAnswer && typeof tagsAnswer === "object" && !("$error" in tagsAnswer))
      tags = tagsAnswer as Record<string, string>;
    else if (tagsAnswer !== null && tagsAnswer !== undefined) supplementaryConfiguration.tags = tagsAnswer;
  }
  return item(ctx, {
    resourceType: spec.resourceType,
    resourceId: id,
    resourceName: spec.name?.(raw, ctx) ?? id,
    arn: spec.arn(raw, ctx),
    // Account-wide things are recorded as `global`, whichever region their calls went to.
    awsRegion: global ? "global" : ctx.region,
    configuration: spec.configuration ? spec.configuration(raw, ctx) : lowerCamelKeys(raw as object),
    supplementaryConfiguration,
    tags,
  });
}

function runDetail(
  ctx: CollectorContext,
  spec: DetailSpec<unknown, CommandClass>,
  raw: unknown,
  send: Send,
  limit: Limiter,
): Promise<unknown> {
  if (spec.when && !spec.when(raw)) return Promise.resolve(spec.otherwise ?? null);
  return limit(() =>
    supplementary(async () => {
      const answers = await pages(send, spec, spec.input(raw, ctx));
      const picked = answers.map((answer) => spec.pick(answer, raw));
      if (picked.length === 1) return picked[0];
      return picked.every(Array.isArray) ? (picked as unknown[][]).flat() : picked[picked.length - 1];
    }, spec.absentWhen ?? []),
  );
}
