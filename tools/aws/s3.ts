import {
  type Bucket,
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketReplicationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  paginateListBuckets,
  type S3Client,
} from "@aws-sdk/client-s3";
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand } from "@aws-sdk/client-s3-control";
import { isCallError, lowerCamelKeys } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import {
  type Collector,
  type CollectorContext,
  errorCode,
  item,
  listing,
  orCallError,
  parsePolicyDocument,
  supplementary,
  tagMap,
} from "./collector.ts";
import { collectPages, createLimiter, type Limiter, mapLimit } from "./concurrency.ts";

/**
 * S3 is listed once per account: ListBuckets is global. Each bucket is then read in its own region and kept
 * only when that region is part of the scan. The account-level public access block comes from S3 Control.
 */
export const s3Collector: Collector = {
  service: "s3",
  global: true,
  // The calls this code makes (test/aws/scan-policy.test.ts reads the source and holds this list to it).
  actions: [
    "s3:GetAccountPublicAccessBlock",
    "s3:GetBucketAcl",
    "s3:GetBucketLocation",
    "s3:GetBucketLogging",
    "s3:GetBucketNotification",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketTagging",
    "s3:GetBucketVersioning",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:ListAllMyBuckets",
  ],
  async collect(ctx) {
    const parts = await Promise.all([
      listing(ctx, "ListBuckets", () => buckets(ctx)),
      listing(ctx, "GetAccountPublicAccessBlock", () => accountPublicAccessBlock(ctx)),
    ]);
    return parts.flat();
  },
};

const PUBLIC_ACCESS_BLOCK_FLAGS = [
  "blockPublicAcls",
  "ignorePublicAcls",
  "blockPublicPolicy",
  "restrictPublicBuckets",
] as const;

async function buckets(ctx: CollectorContext): Promise<ConfigurationItem[]> {
  const list = await collectPages(paginateListBuckets({ client: ctx.clients.s3 }, {}), (p) => p.Buckets);
  const inScope = new Set(ctx.regions);
  // Per-bucket calls share one bound, whichever bucket they belong to.
  const limit = createLimiter(ctx.perResourceConcurrency);
  const items = await mapLimit(list, ctx.perResourceConcurrency, async (bucket) => {
    if (!bucket.Name) return null;
    const arn = `arn:${ctx.partition}:s3:::${bucket.Name}`;
    if (ctx.wants && !ctx.wants("AWS::S3::Bucket", bucket.Name, bucket.Name, arn)) return null;
    const region = await bucketRegion(ctx, bucket, limit);
    if (region === null || !inScope.has(region)) return null;
    return bucketItem(ctx, bucket.Name, bucket, region, limit);
  });
  return items.filter((i): i is ConfigurationItem => i !== null);
}

/**
 * Newer ListBuckets answers carry the region; otherwise GetBucketLocation says it (`null` means us-east-1,
 * the legacy `EU` means eu-west-1). A bucket whose region cannot be read is a gap, not a guess.
 */
async function bucketRegion(ctx: CollectorContext, bucket: Bucket, limit: Limiter): Promise<string | null> {
  if (bucket.BucketRegion) return bucket.BucketRegion;
  try {
    const answer = await limit(() =>
      ctx.clients.s3.send(new GetBucketLocationCommand({ Bucket: bucket.Name })),
    );
    const constraint = answer.LocationConstraint as string | undefined;
    if (!constraint) return "us-east-1";
    return constraint === "EU" ? "eu-west-1" : constraint;
  } catch (error) {
    ctx.recordGap(`GetBucketLocation ${bucket.Name}`, error);
    return null;
  }
}

async function bucketItem(
  ctx: CollectorContext,
  name: string,
  bucket: Bucket,
  region: string,
  limit: Limiter,
): Promise<ConfigurationItem> {
  const s3: S3Client = ctx.clientsFor(region).s3;
  const Bucket = name;
  const [
    publicAccessBlock,
    acl,
    policy,
    encryption,
    versioning,
    logging,
    ownershipControls,
    tagging,
    lifecycle,
    objectLock,
    notifications,
    replication,
  ] = await Promise.all([
    limit(() =>
      supplementary(async () => {
        const answer = await s3.send(new GetPublicAccessBlockCommand({ Bucket }));
        return publicAccessBlockFlags(answer.PublicAccessBlockConfiguration);
      }, ["NoSuchPublicAccessBlockConfiguration"]),
    ),
    limit(() =>
      orCallError(async () => {
        const answer = await s3.send(new GetBucketAclCommand({ Bucket }));
        return {
          owner: lowerCamelKeys(answer.Owner ?? {}),
          grants: lowerCamelKeys<unknown[]>(answer.Grants ?? []),
        };
      }),
    ),
    limit(() =>
      supplementary(async () => {
        const answer = await s3.send(new GetBucketPolicyCommand({ Bucket }));
        return parsePolicyDocument(answer.Policy);
      }, ["NoSuchBucketPolicy"]),
    ),
    limit(() =>
      supplementary(async () => {
        const answer = await s3.send(new GetBucketEncryptionCommand({ Bucket }));
        return { rules: lowerCamelKeys<unknown[]>(answer.ServerSideEncryptionConfiguration?.Rules ?? []) };
      }, ["ServerSideEncryptionConfigurationNotFoundError"]),
    ),
    limit(() =>
      orCallError(async () => {
        const answer = await s3.send(new GetBucketVersioningCommand({ Bucket }));
        // A bucket that never had versioning answers with neither field.
        return { status: answer.Status ?? null, mfaDelete: answer.MFADelete ?? null };
      }),
    ),
    limit(() =>
      orCallError(async () => {
        const answer = await s3.send(new GetBucketLoggingCommand({ Bucket }));
        const enabled = answer.LoggingEnabled;
        return enabled
          ? { targetBucket: enabled.TargetBucket ?? null, targetPrefix: enabled.TargetPrefix ?? "" }
          : null;
      }),
    ),
    limit(() =>
      supplementary(async () => {
        const answer = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }));
        return { rules: lowerCamelKeys<unknown[]>(answer.OwnershipControls?.Rules ?? []) };
      }, ["OwnershipControlsNotFoundError"]),
    ),
    limit(() =>
      supplementary(async () => {
        const answer = await s3.send(new GetBucketTaggingCommand({ Bucket }));
        return tagMap(answer.TagSet);
      }, ["NoSuchTagSet"]),
    ),
    limit(() =>
      supplementary(async () => {
        const answer = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
        return { rules: lowerCamelKeys<unknown[]>(answer.Rules ?? []) };
      }, ["NoSuchLifecycleConfiguration"]),
    ),
    limit(() =>
      supplementary(async () => {
        const answer = await s3.send(new GetObjectLockConfigurationCommand({ Bucket }));
        const config = answer.ObjectLockConfiguration;
        return {
          objectLockEnabled: config?.ObjectLockEnabled ?? null,
          defaultRetention: config?.Rule?.DefaultRetention
            ? lowerCamelKeys(config.Rule.DefaultRetention)
            : null,
        };
      }, ["ObjectLockConfigurationNotFoundError"]),
    ),
    limit(() =>
      orCallError(async () => {
        // A bucket without notifications answers with no configuration at all (not an error).
        const answer = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }));
        return {
          topicConfigurations: lowerCamelKeys<unknown[]>(answer.TopicConfigurations ?? []),
          queueConfigurations: lowerCamelKeys<unknown[]>(answer.QueueConfigurations ?? []),
          lambdaFunctionConfigurations: lowerCamelKeys<unknown[]>(answer.LambdaFunctionConfigurations ?? []),
          eventBridgeEnabled: answer.EventBridgeConfiguration !== undefined,
        };
      }),
    ),
    limit(() =>
      supplementary(async () => {
        const answer = await s3.send(new GetBucketReplicationCommand({ Bucket }));
        const config = answer.ReplicationConfiguration;
        return { role: config?.Role ?? null, rules: lowerCamelKeys<unknown[]>(config?.Rules ?? []) };
      }, ["ReplicationConfigurationNotFoundError"]),
    ),
  ]);
  const supplementaryConfiguration: Record<string, unknown> = {
    publicAccessBlock,
    acl,
    policy,
    encryption,
    versioning,
    logging,
    ownershipControls,
    lifecycle,
    objectLock,
    notifications,
    replication,
  };
  // Tags are a plain map; when they could not be read, say so instead of passing off `{}` as "no tags".
  if (isCallError(tagging)) supplementaryConfiguration.tags = tagging;
  return item(ctx, {
    resourceType: "AWS::S3::Bucket",
    resourceId: name,
    resourceName: name,
    arn: `arn:${ctx.partition}:s3:::${name}`,
    awsRegion: region,
    configuration: { name, creationDate: bucket.CreationDate?.toISOString() ?? null, region },
    supplementaryConfiguration,
    tags: tagging && !isCallError(tagging) ? tagging : {},
  });
}

function publicAccessBlockFlags(config: object | undefined) {
  const flags = lowerCamelKeys<Record<string, boolean | undefined>>(config ?? {});
  return Object.fromEntries(PUBLIC_ACCESS_BLOCK_FLAGS.map((flag) => [flag, flags[flag] === true])) as Record<
    (typeof PUBLIC_ACCESS_BLOCK_FLAGS)[number],
    boolean
  >;
}

async function accountPublicAccessBlock(ctx: CollectorContext): Promise<ConfigurationItem[]> {
  let configuration: Record<string, boolean>;
  try {
    const answer = await ctx.clients.s3control.send(
      new GetAccountPublicAccessBlockCommand({ AccountId: ctx.accountId }),
    );
    configuration = { configured: true, ...publicAccessBlockFlags(answer.PublicAccessBlockConfiguration) };
  } catch (error) {
    if (errorCode(error) !== "NoSuchPublicAccessBlockConfiguration") throw error;
    configuration = { configured: false, ...publicAccessBlockFlags(undefined) };
  }
  return [
    item(ctx, {
      resourceType: "AWS::S3::AccountPublicAccessBlock",
      resourceId: ctx.accountId,
      resourceName: ctx.accountId,
      arn: `arn:${ctx.partition}:s3:::account/${ctx.accountId}/public-access-block`,
      awsRegion: "global",
      configuration,
      supplementaryConfiguration: {},
    }),
  ];
}
