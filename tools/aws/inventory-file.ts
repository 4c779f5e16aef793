/**
 * Inventory files: an AWS Config snapshot (read only) or our own saved inventory (read and write). Both
 * become the same Inventory, so an offline audit and a live scan feed one engine.
 */
import { readFile, rename, writeFile } from "node:fs/promises";
import { redactItem } from "../../src/domain/secrets.ts";
import { canonicalJson, compareItems, lowerCamelKeys, withContentHash } from "../../src/domain/shape.ts";
import { unstorableTextReason } from "../../src/domain/text.ts";
import type { ConfigurationItem, CoverageGap, Inventory } from "../../src/domain/types.ts";
import { ValidationError } from "../../src/errors.ts";
import { parsePolicyDocument } from "./collector.ts";

export const INVENTORY_FORMAT = "enforceai-inventory/v1";

const EXPECTED =
  `expected an AWS Config snapshot ({"configurationItems": [...]}) or a saved EnforceAI inventory ` +
  `({"format": "${INVENTORY_FORMAT}", "items": [...]})`;

export async function readInventoryFile(path: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ValidationError(`cannot read inventory file ${path} (${code ?? "error"}); ${EXPECTED}`, {
      path,
    });
  }
  return parseInventory(text, path);
}

/** Parses the text of an inventory file; `source` names it in error messages. */
export function parseInventory(text: string, source = "inventory"): Inventory {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    // JSON.parse quotes the text around the fault, newlines included: the message must stay one line.
    const detail = (error as Error).message.replace(/\s+/g, " ").trim();
    throw new ValidationError(`${source} is not JSON (${detail}); ${EXPECTED}`, { source });
  }
  requireStorable(document, source, "");
  if (!isObject(document))
    throw new ValidationError(`${source} holds no JSON object; ${EXPECTED}`, { source });
  if (document.format === INVENTORY_FORMAT) return savedInventory(document, source);
  if (typeof document.format === "string") {
    throw new ValidationError(
      `${source} has format "${document.format}", which this version does not read; ${EXPECTED}`,
      {
        source,
      },
    );
  }
  if (Array.isArray(document.configurationItems)) return configSnapshot(document.configurationItems, source);
  throw new ValidationError(`${source} is neither format; ${EXPECTED}`, { source });
}

// ------------------------------------------------------------------------------------------- saved inventory

const REQUIRED_ITEM_STRINGS = [
  "resourceType",
  "resourceId",
  "arn",
  "awsRegion",
  "accountId",
  "configurationItemCaptureTime",
] as const;

/** What to do about a malformed item: say what a good one holds (docs/inventory.md has the full format). */
const ITEM_SHAPE =
  `each item needs ${REQUIRED_ITEM_STRINGS.join(", ")} as strings and configuration, ` +
  "supplementaryConfiguration and tags as objects (docs/inventory.md); fix the file or save it again with " +
  "`enforceai scan --save-inventory`";

function savedInventory(document: Record<string, unknown>, source: string): Inventory {
  if (!Array.isArray(document.items))
    throw new ValidationError(`${source}: "items" must be an array; ${EXPECTED}`, { source });
  const items = document.items.map((raw, index) => {
    if (!isObject(raw))
      throw new ValidationError(`${source}: items[${index}] is not an object; ${ITEM_SHAPE}`, {
        source,
        index,
      });
    for (const key of REQUIRED_ITEM_STRINGS) {
      if (typeof raw[key] !== "string") {
        throw new ValidationError(`${source}: items[${index}].${key} must be a string; ${ITEM_SHAPE}`, {
          source,
          index,
          key,
        });
      }
    }
    for (const key of ["configuration", "supplementaryConfiguration", "tags"] as const) {
      if (raw[key] !== undefined && !isObject(raw[key])) {
        throw new ValidationError(`${source}: items[${index}].${key} must be an object; ${ITEM_SHAPE}`, {
          source,
          index,
          key,
        });
      }
    }
    const item: ConfigurationItem = {
      resourceType: raw.resourceType as string,
      resourceId: raw.resourceId as string,
      ...(typeof raw.resourceName === "string" ? { resourceName: raw.resourceName } : {}),
      arn: raw.arn as string,
      awsRegion: raw.awsRegion as string,
      accountId: raw.accountId as string,
      configuration: (raw.configuration as Record<string, unknown>) ?? {},
      supplementaryConfiguration: (raw.supplementaryConfiguration as Record<string, unknown>) ?? {},
      tags: stringMap(raw.tags),
      configurationItemCaptureTime: raw.configurationItemCaptureTime as string,
    };
    // The hash is recomputed rather than trusted: a hand-edited file must not claim unchanged content. A file
    // may hold what a collector would never keep (a hand-made or older inventory): it passes the one redaction.
    return withContentHash(redactItem(item));
  });
  const gaps = Array.isArray(document.coverageGaps) ? document.coverageGaps.filter(isGap) : [];
  return {
    accountIds: stringArray(document.accountIds) ?? unique(items.map((i) => i.accountId)),
    regions:
      stringArray(document.regions) ?? unique(items.map((i) => i.awsRegion).filter((r) => r !== "global")),
    capturedAt: typeof document.capturedAt === "string" ? document.capturedAt : latestCapture(items),
    coverageGaps: gaps,
    items: items.sort(compareItems),
  };
}

function isGap(value: unknown): value is CoverageGap {
  return (
    isObject(value) &&
    typeof value.service === "string" &&
    typeof value.region === "string" &&
    typeof value.error === "string"
  );
}

// --------------------------------------------------------------------------------------- AWS Config snapshot

/** Config records these statuses for resources that are gone or were never recorded: nothing to judge. */
const SKIPPED_STATUSES = new Set(["ResourceDeleted", "ResourceDeletedNotRecorded", "ResourceNotRecorded"]);

const CONFIG_ITEM_SHAPE =
  "each configuration item needs resourceType and resourceId as strings, as AWS Config exports them " +
  "(docs/inventory.md); export the snapshot again";

function configSnapshot(raw: unknown[], source: string): Inventory {
  const items: ConfigurationItem[] = [];
  raw.forEach((entry, index) => {
    if (!isObject(entry))
      throw new ValidationError(
        `${source}: configurationItems[${index}] is not an object; ${CONFIG_ITEM_SHAPE}`,
        {
          source,
          index,
        },
      );
    if (
      typeof entry.configurationItemStatus === "string" &&
      SKIPPED_STATUSES.has(entry.configurationItemStatus)
    )
      return;
    const resourceType = entry.resourceType;
    const resourceId = entry.resourceId;
    if (typeof resourceType !== "string" || typeof resourceId !== "string") {
      throw new ValidationError(
        `${source}: configurationItems[${index}] lacks resourceType or resourceId; ${CONFIG_ITEM_SHAPE}`,
        {
          source,
          index,
        },
      );
    }
    const accountId = String(entry.awsAccountId ?? entry.accountId ?? "");
    const region = String(entry.awsRegion ?? "global");
    const where = `configurationItems[${index}]`;
    const configuration = lowerCamelKeys<Record<string, unknown>>(
      parseJsonText(entry.configuration, source, `${where}.configuration`) ?? {},
    );
    const supplementary = supplementaryOf(
      resourceType,
      entry.supplementaryConfiguration,
      configuration,
      (value, key) => parseJsonText(value, source, `${where}.supplementaryConfiguration.${key}`),
    );
    items.push(
      withContentHash(
        redactItem(
          requireStorable(
            {
              resourceType,
              resourceId,
              ...(typeof entry.resourceName === "string" ? { resourceName: entry.resourceName } : {}),
              arn: typeof entry.ARN === "string" ? entry.ARN : typeof entry.arn === "string" ? entry.arn : "",
              awsRegion: region,
              accountId,
              configuration: normaliseConfiguration(resourceType, configuration, region),
              supplementaryConfiguration: supplementary,
              tags: configTags(entry.tags),
              configurationItemCaptureTime:
                typeof entry.configurationItemCaptureTime === "string"
                  ? entry.configurationItemCaptureTime
                  : new Date(0).toISOString(),
            },
            source,
            where,
          ),
        ),
      ),
    );
  });
  const regions = unique(items.map((i) => i.awsRegion).filter((r) => r !== "global"));
  return {
    accountIds: unique(items.map((i) => i.accountId).filter(Boolean)),
    regions,
    capturedAt: latestCapture(items),
    coverageGaps: regions.flatMap((region) => [
      { service: "logs", region, ...NOT_IN_SNAPSHOT },
      { service: "backup", region, ...SELECTIONS_NOT_IN_SNAPSHOT },
    ]),
    items: items.sort(compareItems),
  };
}

/**
 * AWS Config does not record CloudWatch Logs metric filters, so a snapshot cannot show the CIS monitoring chain.
 * Saying so as a coverage gap makes those controls ERROR ("could not be read") instead of a false FAIL.
 */
const NOT_IN_SNAPSHOT = {
  code: "NotInConfigSnapshot",
  error:
    "AWS Config snapshots do not record CloudWatch Logs metric filters; scan the account live to judge them",
} as const;

/** Nor does a snapshot carry what each AWS Backup selection covers, so "not in any plan" is unknown there. */
const SELECTIONS_NOT_IN_SNAPSHOT = {
  code: "NotInConfigSnapshot",
  error:
    "AWS Config snapshots do not carry what AWS Backup selections cover; scan the account live to judge it",
} as const;

/**
 * Config stores nested documents as JSON text in places (configuration in history, supplementary values). The
 * text is measured like the file itself before anything recursive converts it.
 */
function parseJsonText(value: unknown, source: string, where: string): Record<string, unknown> | null {
  if (typeof value === "string") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
    return isObject(parsed) ? requireStorable(parsed, source, where) : null;
  }
  return isObject(value) ? value : null;
}

/** Config's tags are a `{ key: value }` map (snapshots) or `[{ key, value }]` (some exports). */
function configTags(value: unknown): Record<string, string> {
  if (Array.isArray(value)) {
    const out: Record<string, string> = {};
    for (const tag of value) {
      if (isObject(tag)) {
        const key = tag.key ?? tag.Key;
        if (typeof key === "string") out[key] = String(tag.value ?? tag.Value ?? "");
      }
    }
    return out;
  }
  return stringMap(value);
}

/** Brings Config's configuration closer to ours: IAM documents are URL-encoded text there, objects here. */
function normaliseConfiguration(
  resourceType: string,
  configuration: Record<string, unknown>,
  region: string,
): Record<string, unknown> {
  // Our bucket records carry their region (docs/inventory.md); Config's keep it on the envelope only.
  if (resourceType === "AWS::S3::Bucket" && configuration.region === undefined)
    return { ...configuration, region };
  if (resourceType === "AWS::IAM::Role" && typeof configuration.assumeRolePolicyDocument === "string") {
    return {
      ...configuration,
      assumeRolePolicyDocument: parsePolicyDocument(configuration.assumeRolePolicyDocument),
    };
  }
  return configuration;
}

/**
 * Maps Config's supplementary keys to ours where their meaning is the same (docs/inventory.md). Keys with no
 * counterpart are kept, in lowerCamelCase, so nothing Config recorded is lost.
 */
function supplementaryOf(
  resourceType: string,
  raw: unknown,
  configuration: Record<string, unknown>,
  parseText: (value: unknown, key: string) => Record<string, unknown> | null,
): Record<string, unknown> {
  const given: Record<string, unknown> = {};
  if (isObject(raw)) {
    for (const [key, value] of Object.entries(raw)) given[key] = parseText(value, key) ?? value;
  }
  const out: Record<string, unknown> = {};
  if (resourceType === "AWS::S3::Bucket") Object.assign(out, s3Supplementary(given));
  if (
    resourceType === "AWS::IAM::User" ||
    resourceType === "AWS::IAM::Group" ||
    resourceType === "AWS::IAM::Role"
  ) {
    Object.assign(out, iamPrincipalSupplementary(configuration));
  }
  if (resourceType === "AWS::IAM::Policy") {
    const versions = Array.isArray(configuration.policyVersionList) ? configuration.policyVersionList : [];
    const current = versions.find((v) => isObject(v) && v.isDefaultVersion === true);
    if (isObject(current)) out.policyDocument = parsePolicyDocument(String(current.document ?? ""));
  }
  for (const [key, value] of Object.entries(given)) {
    const ours = lowerCamelKeyName(key);
    if (!(ours in out) && !S3_MAPPED_KEYS.has(key)) out[ours] = lowerCamelKeys(value);
  }
  return out;
}

const S3_MAPPED_KEYS = new Set([
  "PublicAccessBlockConfiguration",
  "BucketPolicy",
  "ServerSideEncryptionConfiguration",
  "BucketVersioningConfiguration",
  "BucketLoggingConfiguration",
  "AccessControlList",
  "BucketOwnershipControls",
]);

const ACL_PERMISSIONS: Record<string, string> = {
  FullControl: "FULL_CONTROL",
  Read: "READ",
  Write: "WRITE",
  ReadAcp: "READ_ACP",
  WriteAcp: "WRITE_ACP",
};

const GROUP_URIS: Record<string, string> = {
  AllUsers: "http://acs.amazonaws.com/groups/global/AllUsers",
  AuthenticatedUsers: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
  LogDelivery: "http://acs.amazonaws.com/groups/s3/LogDelivery",
};

function s3Supplementary(given: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const pab = given.PublicAccessBlockConfiguration;
  out.publicAccessBlock = isObject(pab)
    ? {
        blockPublicAcls: pab.blockPublicAcls === true,
        ignorePublicAcls: pab.ignorePublicAcls === true,
        blockPublicPolicy: pab.blockPublicPolicy === true,
        restrictPublicBuckets: pab.restrictPublicBuckets === true,
      }
    : null;
  const policy = given.BucketPolicy;
  out.policy =
    isObject(policy) && typeof policy.policyText === "string" ? parsePolicyDocument(policy.policyText) : null;
  const sse = given.ServerSideEncryptionConfiguration;
  out.encryption = isObject(sse) && Array.isArray(sse.rules) ? { rules: lowerCamelKeys(sse.rules) } : null;
  const versioning = given.BucketVersioningConfiguration;
  if (isObject(versioning)) {
    const status =
      typeof versioning.status === "string" && versioning.status !== "Off" ? versioning.status : null;
    const mfa = versioning.isMfaDeleteEnabled;
    out.versioning = { status, mfaDelete: mfa === true ? "Enabled" : mfa === false ? "Disabled" : null };
  }
  const logging = given.BucketLoggingConfiguration;
  out.logging =
    isObject(logging) && typeof logging.destinationBucketName === "string"
      ? { targetBucket: logging.destinationBucketName, targetPrefix: String(logging.logFilePrefix ?? "") }
      : null;
  const acl = given.AccessControlList;
  if (isObject(acl)) out.acl = configAcl(acl);
  const ownership = given.BucketOwnershipControls;
  if (isObject(ownership)) {
    const rules = isObject(ownership.ownershipControls) ? ownership.ownershipControls.rules : ownership.rules;
    out.ownershipControls = Array.isArray(rules) ? { rules: lowerCamelKeys(rules) } : null;
  }
  return out;
}

function configAcl(acl: Record<string, unknown>): Record<string, unknown> {
  const owner = isObject(acl.owner) ? acl.owner : {};
  const grants = [
    ...(Array.isArray(acl.grantList) ? acl.grantList : []),
    ...(Array.isArray(acl.grantSet) ? acl.grantSet : []),
  ];
  return {
    owner: { id: owner.id ?? null, displayName: owner.displayName ?? null },
    grants: grants.filter(isObject).map((grant) => {
      const grantee = grant.grantee;
      const permission = String(grant.permission ?? "");
      const mapped =
        typeof grantee === "string"
          ? { type: "Group", uri: GROUP_URIS[grantee] ?? grantee }
          : isObject(grantee)
            ? { type: "CanonicalUser", id: grantee.id ?? null, displayName: grantee.displayName ?? null }
            : { type: "Unknown" };
      return { grantee: mapped, permission: ACL_PERMISSIONS[permission] ?? permission };
    }),
  };
}

function iamPrincipalSupplementary(configuration: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Array.isArray(configuration.attachedManagedPolicies)) {
    out.attachedManagedPolicies = configuration.attachedManagedPolicies;
  }
  const inline =
    configuration.userPolicyList ?? configuration.groupPolicyList ?? configuration.rolePolicyList;
  if (Array.isArray(inline)) {
    out.inlinePolicies = inline.filter(isObject).map((p) => ({
      policyName: p.policyName ?? null,
      policyDocument: parsePolicyDocument(
        typeof p.policyDocument === "string" ? p.policyDocument : JSON.stringify(p.policyDocument),
      ),
    }));
  }
  if (Array.isArray(configuration.groupList)) out.groups = configuration.groupList;
  return out;
}

function lowerCamelKeyName(key: string): string {
  return Object.keys(lowerCamelKeys({ [key]: null }))[0] ?? key;
}

// -------------------------------------------------------------------------------------------------- writing

/** The item keys in the order a person reads them; nested objects are key-sorted for stable diffs. */
const ITEM_KEY_ORDER = [
  "resourceType",
  "resourceId",
  "resourceName",
  "arn",
  "awsRegion",
  "accountId",
  "configurationItemCaptureTime",
  "contentHash",
  "tags",
  "configuration",
  "supplementaryConfiguration",
] as const;

/** The saved-inventory document for an inventory, keys in a stable order. */
export function inventoryDocument(inventory: Inventory): Record<string, unknown> {
  const items = [...inventory.items].map(withContentHash).sort(compareItems);
  return {
    format: INVENTORY_FORMAT,
    accountIds: [...inventory.accountIds].sort(),
    regions: [...inventory.regions].sort(),
    capturedAt: inventory.capturedAt,
    coverageGaps: inventory.coverageGaps.map((gap) => sortedKeys(gap)),
    items: items.map((item) => {
      const out: Record<string, unknown> = {};
      for (const key of ITEM_KEY_ORDER) {
        const value = item[key];
        if (value !== undefined)
          out[key] = typeof value === "object" && value !== null ? sortedKeys(value) : value;
      }
      return out;
    }),
  };
}

/** Writes format `enforceai-inventory/v1`; a temporary file and a rename keep a reader from seeing half a file. */
export async function writeInventoryFile(path: string, inventory: Inventory): Promise<void> {
  const text = `${JSON.stringify(inventoryDocument(inventory), null, 2)}\n`;
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, "utf8");
  await rename(temporary, path);
}

function sortedKeys(value: unknown): unknown {
  return JSON.parse(canonicalJson(value));
}

// ------------------------------------------------------------------------------------------ what can be kept

/**
 * How deeply an inventory may nest objects and lists (the file itself is level 1). Real AWS configurations
 * reach about a dozen levels (the bundled sample: 11); 64 leaves room for any of them and stays far below where
 * the recursive steps after reading (key conversion, content hashes, the store's JSON) overflow the stack.
 * Documented in docs/inventory.md.
 */
export const MAX_INVENTORY_DEPTH = 64;

const WHAT_TO_DO =
  "fix or re-export the file (from AWS Config, or with `enforceai scan --save-inventory`) and run the scan again";

/**
 * Refuses, before a scan exists, what the rest of the scan could not handle: nesting deeper than
 * MAX_INVENTORY_DEPTH, and text PostgreSQL cannot keep in JSON (a NUL character, an unpaired UTF-16
 * surrogate), in values and in keys. The walk keeps its own stack, so a hostile file cannot overflow it.
 */
function requireStorable<T>(value: T, source: string, where: string): T {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 1, path: where }];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const here = top.path || "(top level)";
    if (typeof top.value === "string") {
      const problem = unstorableTextReason(top.value);
      if (problem) throw new ValidationError(`${source}: ${here} ${problem}; ${WHAT_TO_DO}`, { source });
      continue;
    }
    if (typeof top.value !== "object" || top.value === null) continue;
    if (top.depth > MAX_INVENTORY_DEPTH) {
      throw new ValidationError(
        `${source}: ${shortPath(here)} nests deeper than ${MAX_INVENTORY_DEPTH} levels of objects and lists, ` +
          `the most an inventory may; ${WHAT_TO_DO}`,
        { source },
      );
    }
    const entries = Array.isArray(top.value)
      ? top.value.map((v, i) => [`[${i}]`, v] as const)
      : Object.entries(top.value).map(([k, v]) => [`.${k}`, v] as const);
    // Pushed last-first, so the first problem in document order is the one reported.
    for (const [step, child] of entries.reverse()) {
      if (!Array.isArray(top.value)) {
        const problem = unstorableTextReason(step);
        if (problem)
          throw new ValidationError(`${source}: a key under ${here} ${problem}; ${WHAT_TO_DO}`, { source });
      }
      const path = top.path === "" ? step.replace(/^\./, "") : `${top.path}${step}`;
      stack.push({ value: child, depth: top.depth + 1, path });
    }
  }
  return value;
}

/** A path 5,000 levels deep must not become a 20 KB message line. */
function shortPath(path: string): string {
  return path.length > 120 ? `${path.slice(0, 60)}…${path.slice(-40)}` : path;
}

// --------------------------------------------------------------------------------------------------- helpers

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, typeof v === "string" ? v : String(v ?? "")]),
  );
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort();
}

function latestCapture(items: ConfigurationItem[]): string {
  // ISO-8601 strings sort in time order.
  return (
    items
      .map((i) => i.configurationItemCaptureTime)
      .sort()
      .at(-1) ?? new Date(0).toISOString()
  );
}
