import {
  type AliasListEntry,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  type KeyMetadata,
  paginateListAliases,
  paginateListKeys,
  paginateListResourceTags,
} from "@aws-sdk/client-kms";
import { type CallError, isCallError, lowerCamelKeys } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import {
  type Collector,
  type CollectorContext,
  item,
  listing,
  orCallError,
  parsePolicyDocument,
  tagMap,
} from "./collector.ts";
import { collectPages, createLimiter, type Limiter, mapLimit } from "./concurrency.ts";

/** KMS keys (customer and AWS managed) with rotation, key policy and aliases. */
export const kmsCollector: Collector = {
  service: "kms",
  global: false,
  // The calls this code makes (test/aws/scan-policy.test.ts reads the source and holds this list to it).
  actions: [
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListKeys",
    "kms:ListResourceTags",
  ],
  async collect(ctx) {
    return listing(ctx, "ListKeys", () => keys(ctx));
  },
};

async function keys(ctx: CollectorContext): Promise<ConfigurationItem[]> {
  const kms = ctx.clients.kms;
  const [list, aliases] = await Promise.all([
    collectPages(paginateListKeys({ client: kms }, {}), (p) => p.Keys),
    orCallError(() => collectPages(paginateListAliases({ client: kms }, {}), (p) => p.Aliases)),
  ]);
  const limit = createLimiter(ctx.perResourceConcurrency);
  const items = await mapLimit(
    list.filter((k) => k.KeyId),
    ctx.perResourceConcurrency,
    (key) => keyItem(ctx, key.KeyId!, key.KeyArn, aliases, limit),
  );
  return items.filter((i): i is ConfigurationItem => i !== null);
}

/** Rotation applies to symmetric keys whose material KMS made, and can be read unless deletion is pending. */
function rotationApplies(meta: KeyMetadata): boolean {
  return (
    meta.KeyManager === "CUSTOMER" &&
    (meta.KeySpec ?? "SYMMETRIC_DEFAULT") === "SYMMETRIC_DEFAULT" &&
    (meta.Origin ?? "AWS_KMS") === "AWS_KMS" &&
    meta.KeyState !== "PendingDeletion" &&
    meta.KeyState !== "PendingReplicaDeletion"
  );
}

async function keyItem(
  ctx: CollectorContext,
  KeyId: string,
  keyArn: string | undefined,
  aliases: AliasListEntry[] | CallError,
  limit: Limiter,
): Promise<ConfigurationItem | null> {
  const kms = ctx.clients.kms;
  let meta: KeyMetadata;
  try {
    const described = await limit(() => kms.send(new DescribeKeyCommand({ KeyId })));
    if (!described.KeyMetadata) return null;
    meta = described.KeyMetadata;
  } catch (error) {
    // Without DescribeKey there is nothing to judge the key by; say which key could not be read.
    ctx.recordGap(`DescribeKey ${KeyId}`, error);
    return null;
  }
  const customer = meta.KeyManager === "CUSTOMER";
  const [rotation, policy, tags] = await Promise.all([
    rotationApplies(meta)
      ? limit(() =>
          orCallError(
            async () =>
              (await kms.send(new GetKeyRotationStatusCommand({ KeyId }))).KeyRotationEnabled ?? false,
          ),
        )
      : null,
    limit(() =>
      orCallError(async () =>
        parsePolicyDocument(
          (await kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: "default" }))).Policy,
        ),
      ),
    ),
    // AWS managed keys carry no tags of ours; asking would only add calls.
    customer
      ? limit(() =>
          orCallError(async () =>
            tagMap(await collectPages(paginateListResourceTags({ client: kms }, { KeyId }), (p) => p.Tags)),
          ),
        )
      : {},
  ]);
  const aliasNames = isCallError(aliases)
    ? aliases
    : aliases
        .filter((a) => a.TargetKeyId === KeyId && a.AliasName)
        .map((a) => a.AliasName!)
        .sort();
  const supplementaryConfiguration: Record<string, unknown> = {
    keyRotationEnabled: rotation,
    policy,
    aliases: aliasNames,
  };
  if (isCallError(tags)) supplementaryConfiguration.tags = tags;
  return item(ctx, {
    resourceType: "AWS::KMS::Key",
    resourceId: KeyId,
    resourceName: (Array.isArray(aliasNames) && aliasNames[0]) || KeyId,
    arn: meta.Arn ?? keyArn ?? `arn:${ctx.partition}:kms:${ctx.region}:${ctx.accountId}:key/${KeyId}`,
    awsRegion: ctx.region,
    configuration: lowerCamelKeys(meta),
    supplementaryConfiguration,
    tags: isCallError(tags) ? {} : tags,
  });
}
