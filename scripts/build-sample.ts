/**
 * Builds the bundled sample account (knowledge/samples/demo-account.json), the inventory `enforceai demo`
 * evaluates: resets a moto server, seeds it (scripts/seed-demo-account.ts), discovers both regions with the
 * real collectors, and rewrites what moto generates at random (ids, addresses, timestamps) so that a rebuild
 * gives the same file.
 *
 *   npx tsx scripts/build-sample.ts --endpoint http://127.0.0.1:5066 [--output FILE]
 *
 * The reset wipes the whole moto server: never point this at a moto that tests are using.
 */
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { canonicalJson, compareItems, withContentHash } from "../src/domain/shape.ts";
import type { ConfigurationItem, Inventory } from "../src/domain/types.ts";
import { createClient } from "../tools/aws/clients.ts";
import { discoverAccount } from "../tools/aws/discover.ts";
import { writeInventoryFile } from "../tools/aws/inventory-file.ts";
import { emulatorAnswers } from "./sample-emulator-answers.ts";
import {
  argValue,
  DEFAULT_AGE_DAYS,
  DEMO_AGES,
  DEMO_REGIONS,
  emulatorEndpoint,
  seedDemoAccount,
} from "./seed-demo-account.ts";

/** The capture time the sample claims; every date in it is placed relative to this. */
export const SAMPLE_CAPTURED_AT = "2026-11-20T09:00:00.000Z";

const DAY_MS = 86_400_000;
/** Keys whose dates record activity rather than creation: placed a day before the capture. */
const RECENT_ACTIVITY =
  /^(lastUsedDate|passwordLastUsed|accessKey\dLastUsedDate|latest\w*Time|latestRestorableTime)$/;
const RECENT_ACTIVITY_DAYS = 1;
const DEFAULT_OUTPUT = fileURLToPath(new URL("../knowledge/samples/demo-account.json", import.meta.url));

export async function buildSample(endpoint: string, output = DEFAULT_OUTPUT): Promise<Inventory> {
  const reset = await fetch(new URL("/moto-api/reset", endpoint), { method: "POST" });
  if (!reset.ok) throw new Error(`moto reset at ${endpoint} answered ${reset.status}`);
  const credentials = { accessKeyId: "testing", secretAccessKey: "testing" };
  await seedDemoAccount({ endpoint, credentials });
  const discovered = await discoverAccount({
    endpoint,
    credentials,
    regions: [...DEMO_REGIONS],
    clientFactory: emulatorAnswers(createClient),
  });
  const { stats: _stats, ...inventory } = discovered;
  const sample = normaliseSample(inventory, {
    capturedAt: SAMPLE_CAPTURED_AT,
    ages: DEMO_AGES,
    defaultAgeDays: DEFAULT_AGE_DAYS,
  });
  await mkdir(path.dirname(output), { recursive: true });
  await writeInventoryFile(output, sample);
  return sample;
}

// ---------------------------------------------------------------------------------------------- normalising

export interface NormaliseOptions {
  capturedAt: string;
  /** `resourceType/resourceName` → how many days before `capturedAt` the resource's dates are placed. */
  ages: Readonly<Record<string, number>>;
  defaultAgeDays: number;
}

interface TokenKind {
  pattern: RegExp;
  /** Builds the n-th replacement for a token of this kind. */
  make(token: string, n: number): string;
}

const hex = (seed: string, length: number): string =>
  createHash("sha256").update(seed).digest("hex").slice(0, length);
const base32 = (seed: string, length: number): string =>
  [...createHash("sha256").update(seed).digest()]
    .map((b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[b % 32])
    .join("")
    .slice(0, length);

/** Identifiers moto makes up at random, recognisable by their shape. */
const TOKEN_KINDS: TokenKind[] = [
  {
    // EC2 ids: i-, sg-, vpc-, subnet-, vol-, snap-, acl-, eni-, fl-, rtb-, igw-, and association ids.
    pattern:
      /\b(?:i|sg|vpc|subnet|vol|snap|acl|aclassoc|eni|eni-attach|fl|rtb|igw|iip-assoc|vpc-cidr-assoc)-[0-9a-f]{8,17}\b/g,
    make: (token, n) => {
      const prefix = token.slice(0, token.lastIndexOf("-"));
      return `${prefix}-0${hex(`${prefix}:${n}`, 16)}`;
    },
  },
  {
    pattern: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g,
    make: (_t, n) => {
      const h = hex(`uuid:${n}`, 32);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  },
  { pattern: /\bdb-[A-Z0-9]{26}\b/g, make: (_t, n) => `db-${base32(`dbi:${n}`, 26)}` },
  {
    pattern: /\b02(?::[0-9a-f]{2}){5}\b/g,
    make: (_t, n) => `02:${(hex(`mac:${n}`, 10).match(/../g) ?? []).join(":")}`,
  },
  // Lambda function URL ids.
  { pattern: /\b[0-9a-f]{32}\b/g, make: (_t, n) => hex(`url:${n}`, 32) },
];

/** IAM ids by the key that holds them: moto makes them up in a format of its own, real AWS uses these prefixes. */
const IAM_ID_KEYS: Record<string, string> = {
  userId: "AIDA",
  groupId: "AGPA",
  roleId: "AROA",
  policyId: "ANPA",
  accessKeyId: "AKIA",
};

const ISO_DATE = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g;
/** EC2 writes `User initiated (2026-11-26 06:22:27 UTC)` into stateTransitionReason. */
const SPACED_DATE = /\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\b/g;
/** RDS names automated snapshots `rds:<db>-YYYY-MM-DD-HH-MM`. */
const SNAPSHOT_STAMP = /\b(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})\b/g;

/**
 * Replaces moto's random ids, addresses and timestamps with deterministic ones:
 * - ids are numbered in a stable order (items sorted by their content with the ids masked; items that only
 *   differ by ids wait until the ids they refer to have been named);
 * - a date becomes `capturedAt` minus the item's demo age, keeping whole-day offsets from the discovery time
 *   (a key scheduled for deletion in 30 days stays 30 days ahead);
 * - the public IPv4 addresses become documentation addresses (203.0.113.0/24).
 */
export function normaliseSample(inventory: Omit<Inventory, "stats">, options: NormaliseOptions): Inventory {
  const anchor = Date.parse(inventory.capturedAt);
  const captured = Date.parse(options.capturedAt);
  const literals = literalTokens(inventory.items);
  const names = assignNames(inventory.items, literals);
  const rename = (text: string): string => replaceTokens(text, names, literals);

  const items = inventory.items.map((item) => {
    const ageDays = options.ages[`${item.resourceType}/${item.resourceName ?? ""}`] ?? options.defaultAgeDays;
    const moveDate = (text: string, key: string): string => {
      // Activity (last use, last delivery) happened just before the capture; the rest when the resource was made.
      const base = captured - (RECENT_ACTIVITY.test(key) ? RECENT_ACTIVITY_DAYS : ageDays) * DAY_MS;
      return text
        .replace(ISO_DATE, (date) =>
          formatLike(date, base + Math.round((Date.parse(date) - anchor) / DAY_MS) * DAY_MS),
        )
        .replace(SPACED_DATE, (date) => {
          const at =
            base +
            Math.round((Date.parse(date.replace(" ", "T").replace(" UTC", "Z")) - anchor) / DAY_MS) * DAY_MS;
          return `${new Date(at).toISOString().slice(0, 19).replace("T", " ")} UTC`;
        })
        .replace(SNAPSHOT_STAMP, (_m, y: string, mo: string, d: string, h: string, mi: string) => {
          const at = new Date(
            base + Math.round((Date.parse(`${y}-${mo}-${d}T${h}:${mi}:00Z`) - anchor) / DAY_MS) * DAY_MS,
          );
          return at.toISOString().slice(0, 16).replace(/[T:]/g, "-");
        });
    };
    const rewritten = mapStrings(item, (text, key) => moveDate(rename(text), key)) as ConfigurationItem;
    const { contentHash: _h, ...rest } = rewritten;
    return withContentHash({ ...rest, configurationItemCaptureTime: options.capturedAt });
  });

  return {
    accountIds: inventory.accountIds,
    regions: inventory.regions,
    capturedAt: options.capturedAt,
    coverageGaps: inventory.coverageGaps.map((gap) => mapStrings(gap, rename) as typeof gap),
    items: items.sort(compareItems),
  };
}

/** Random values recognised by where they sit rather than by their shape, with their replacements. */
function literalTokens(items: ConfigurationItem[]): Map<string, string> {
  const literals = new Map<string, string>();
  const counters = new Map<string, number>();
  const next = (kind: string): number => {
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    return n;
  };
  const visit = (value: unknown, key: string, found: Array<[string, string]>): void => {
    if (typeof value === "string") {
      const prefix = Object.hasOwn(IAM_ID_KEYS, key) ? IAM_ID_KEYS[key] : undefined;
      if (prefix) found.push([value, prefix]);
      if (key === "publicIpAddress" || key === "publicIp") found.push([value, "ip"]);
    } else if (Array.isArray(value)) {
      for (const v of value) visit(v, key, found);
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) visit(v, k, found);
    }
  };
  // Sorted by type and name so that numbering does not depend on the random ids themselves.
  const ordered = [...items].sort(
    (a, b) =>
      a.resourceType.localeCompare(b.resourceType) ||
      (a.resourceName ?? "").localeCompare(b.resourceName ?? ""),
  );
  for (const item of ordered) {
    // Only IAM items hold IAM ids under these keys (EC2 has a `groupId` of its own), only instances public IPs.
    if (!item.resourceType.startsWith("AWS::IAM::") && item.resourceType !== "AWS::EC2::Instance") continue;
    const found: Array<[string, string]> = [];
    visit(item, "", found);
    for (const [value, kind] of found) {
      if (literals.has(value)) continue;
      const n = next(kind);
      if (kind === "ip") {
        const ip = `203.0.113.${n}`;
        literals.set(value, ip);
        literals.set(value.replaceAll(".", "-"), ip.replaceAll(".", "-"));
      } else {
        literals.set(value, `${kind}${base32(`${kind}:${n}`, kind === "AKIA" ? 16 : 17)}`);
      }
    }
  }
  return literals;
}

/**
 * Names the shaped tokens in a stable order. Items are sorted by their content with known tokens replaced and
 * unknown ones masked; only items whose masked content is unique name their tokens in a round, so that, e.g.,
 * three emptied default security groups are told apart by the (already named) VPC each belongs to.
 */
function assignNames(items: ConfigurationItem[], literals: Map<string, string>): Map<string, string> {
  const names = new Map<string, string>();
  const counters = new Map<TokenKind, number>();
  const masked = (item: ConfigurationItem): string =>
    canonicalJson(
      mapStrings(item, (text) =>
        replaceTokens(text, names, literals, "?")
          .replace(ISO_DATE, "DATE")
          .replace(SPACED_DATE, "DATE")
          .replace(SNAPSHOT_STAMP, "DATE"),
      ),
    ).replace(/"contentHash":"[0-9a-f]+"|"configurationItemCaptureTime":"[^"]*"/g, "");
  const nameTokensOf = (item: ConfigurationItem): void => {
    mapStrings(item, (text) => {
      for (const kind of TOKEN_KINDS) {
        for (const token of text.match(kind.pattern) ?? []) {
          if (names.has(token)) continue;
          const n = (counters.get(kind) ?? 0) + 1;
          counters.set(kind, n);
          names.set(token, kind.make(token, n));
        }
      }
      return text;
    });
  };
  let pending = [...items];
  while (pending.length > 0) {
    const keyed = pending.map((item) => ({
      item,
      key: `${item.resourceType}|${item.awsRegion}|${masked(item)}`,
    }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const counts = new Map<string, number>();
    for (const { key } of keyed) counts.set(key, (counts.get(key) ?? 0) + 1);
    const unique = keyed.filter(({ key }) => counts.get(key) === 1);
    // Nothing distinguishes the rest any more: name them in sorted order (their content is identical anyway).
    const batch = unique.length > 0 ? unique : keyed;
    for (const { item } of batch) nameTokensOf(item);
    const done = new Set(batch.map(({ item }) => item));
    pending = pending.filter((item) => !done.has(item));
  }
  return names;
}

function replaceTokens(
  text: string,
  names: Map<string, string>,
  literals: Map<string, string>,
  unknown?: string,
): string {
  let out = literals.get(text) ?? text;
  if (out === text) {
    for (const [value, replacement] of literals)
      if (value.includes(".") || value.includes("-")) out = out.replaceAll(value, replacement);
  }
  for (const kind of TOKEN_KINDS)
    out = out.replace(kind.pattern, (token) => names.get(token) ?? unknown ?? token);
  return out;
}

/** Keeps the original's style: `+00:00` offsets and missing milliseconds (credential report, EC2). */
function formatLike(original: string, at: number): string {
  const iso = new Date(at).toISOString();
  const withMillis = /\.\d+/.test(original) ? iso : iso.replace(/\.\d{3}/, "");
  return /[+-]\d{2}:?\d{2}$/.test(original) ? withMillis.replace(/Z$/, "+00:00") : withMillis;
}

/** Applies `fn` to every string value (not keys) of a JSON value; `key` is the key that holds the string. */
function mapStrings(value: unknown, fn: (text: string, key: string) => string, key = ""): unknown {
  if (typeof value === "string") return fn(value, key);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn, key));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn, k)]));
  }
  return value;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const output = argValue(argv, "--output") ?? DEFAULT_OUTPUT;
  const sample = await buildSample(emulatorEndpoint(argv), output);
  const types = new Map<string, number>();
  for (const item of sample.items) types.set(item.resourceType, (types.get(item.resourceType) ?? 0) + 1);
  console.log(`wrote ${output}: ${sample.items.length} items, ${sample.coverageGaps.length} coverage gaps`);
  for (const [type, n] of [...types].sort()) console.log(`  ${String(n).padStart(4)}  ${type}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(`build-sample: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
