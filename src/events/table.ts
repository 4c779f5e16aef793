/**
 * The event table: which write call of which service changes which resource, and where the event names it.
 * Data (`knowledge/events.yaml`), validated and compiled once at load. A CloudTrail record is matched by its
 * `eventSource` and `eventName`; each matching entry's JMESPath expressions are searched in the record and
 * every string they yield identifies a resource of the entry's type. An entry without `ids` names the
 * account's (or region's) single record of that type, e.g. the password policy.
 */
import { readFile } from "node:fs/promises";
import jmespath from "jmespath";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ValidationError } from "../errors.ts";

const EVENT_NAME = /^[A-Z][A-Za-z0-9_]+$/;
const EVENT_SOURCE = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$/;
const RESOURCE_TYPE = /^AWS::[A-Za-z0-9]*::[A-Za-z0-9]+$/;

const groupSchema = z
  .object({
    source: z.string().regex(EVENT_SOURCE, "must be a CloudTrail eventSource like s3.amazonaws.com"),
    resourceType: z.string().regex(RESOURCE_TYPE, "must be a resource type like AWS::S3::Bucket"),
    /** JMESPath expressions over the CloudTrail record; each yields a string or a list of strings. */
    ids: z.array(z.string().min(1)).min(1).optional(),
    events: z
      .array(z.string().regex(EVENT_NAME, "must be an API operation name like PutBucketPolicy"))
      .min(1),
    /**
     * When the call names a part the inventory keeps inside its parent (a DNS query logging config inside its
     * hosted zone): a JMESPath over the known ConfigurationItems of `resourceType` whose values are matched
     * against the ids; the items that hold one are the resources read again.
     */
    via: z.string().min(1).optional(),
    /**
     * Resource types whose checks look at this one (a hosted zone's query-logging check reads the logging
     * configs): their checks run again over the known inventory of the account, without reading them again.
     */
    dependents: z
      .array(z.string().regex(RESOURCE_TYPE, "must be a resource type like AWS::S3::Bucket"))
      .optional(),
    /** Why the entry looks the way it does, for the reader (not used by the code). */
    note: z.string().optional(),
  })
  .strict();

export const eventTableSchema = z.array(groupSchema).min(1);
export type EventTableGroup = z.infer<typeof groupSchema>;

/** One (eventSource, eventName) → resource type rule, with its compiled identifier paths. */
export interface EventRule {
  source: string;
  eventName: string;
  resourceType: string;
  /** Empty: the rule names the single record of its type (per account, or per region for regional types). */
  ids: readonly string[];
  /** Types whose checks are judged again when this one changes. */
  dependents: readonly string[];
  /** A path into known items of the type: the ids name the items holding one of them there (see `via`). */
  via?: string;
}

export interface EventTable {
  /** `source|eventName` → the rules (one event may change resources of several types). */
  rules: ReadonlyMap<string, readonly EventRule[]>;
  /** Number of (source, eventName, resourceType) entries. */
  size: number;
  resourceTypes: ReadonlySet<string>;
  /** The rules of a CloudTrail record, or none when the call is not one we follow. */
  rulesFor(source: string, eventName: string): readonly EventRule[];
}

/** Compiles a parsed table; throws a ValidationError naming the entry that is wrong. */
export function compileEventTable(raw: unknown, origin = "event table"): EventTable {
  const parsed = eventTableSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidationError(
      `${origin}: entry ${issue.path.join(".")} ${issue.message}; fix the entry and start again`,
    );
  }
  const rules = new Map<string, EventRule[]>();
  const seen = new Set<string>();
  const types = new Set<string>();
  let size = 0;
  for (const [index, group] of parsed.data.entries()) {
    for (const expression of [...(group.ids ?? []), ...(group.via ? [group.via] : [])]) {
      try {
        (jmespath as unknown as { compile(e: string): unknown }).compile(expression);
      } catch (error) {
        throw new ValidationError(
          `${origin}: entry ${index} (${group.source} ${group.resourceType}) has an invalid JMESPath "${expression}": ${(error as Error).message}`,
        );
      }
    }
    for (const eventName of group.events) {
      const unique = `${group.source}|${eventName}|${group.resourceType}`;
      if (seen.has(unique)) {
        throw new ValidationError(
          `${origin}: ${group.source} ${eventName} → ${group.resourceType} is listed twice; keep one entry`,
        );
      }
      seen.add(unique);
      const key = `${group.source}|${eventName}`;
      const list = rules.get(key) ?? [];
      list.push({
        source: group.source,
        eventName,
        resourceType: group.resourceType,
        ids: group.ids ?? [],
        dependents: group.dependents ?? [],
        ...(group.via ? { via: group.via } : {}),
      });
      rules.set(key, list);
      size++;
    }
    types.add(group.resourceType);
  }
  return {
    rules,
    size,
    resourceTypes: types,
    rulesFor: (source, eventName) => rules.get(`${source}|${eventName}`) ?? [],
  };
}

export async function loadEventTable(file: string): Promise<EventTable> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ValidationError(`cannot read the event table ${file}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ValidationError(`the event table ${file} is not valid YAML: ${(error as Error).message}`);
  }
  return compileEventTable(raw, file);
}

/** The strings at `path` in an item (a string or a list of them), for `via` lookups. */
export function valuesAt(path: string, item: unknown): string[] {
  const out: string[] = [];
  const add = (value: unknown): void => {
    if (typeof value === "string" && value.length > 0) out.push(value);
    else if (Array.isArray(value)) for (const v of value) add(v);
  };
  try {
    add(jmespath.search(item as never, path));
  } catch {
    // A shape the path cannot walk holds nothing.
  }
  return out;
}

/** The identifiers a rule finds in a CloudTrail record: strings, flattened, de-duplicated, order kept. */
export function identifiersOf(rule: EventRule, record: unknown): string[] {
  const out = new Set<string>();
  const add = (value: unknown): void => {
    if (typeof value === "string" && value.length > 0) out.add(value);
    else if (Array.isArray(value)) for (const v of value) add(v);
  };
  for (const expression of rule.ids) {
    try {
      add(jmespath.search(record as never, expression));
    } catch {
      // A record whose shape the path cannot walk names nothing.
    }
  }
  return [...out];
}
