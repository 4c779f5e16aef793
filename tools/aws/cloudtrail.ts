import {
  type CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  paginateListTags,
  type Trail,
} from "@aws-sdk/client-cloudtrail";
import { type CallError, callError, lowerCamelKeys } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import {
  type Collector,
  type CollectorContext,
  errorCode,
  errorText,
  item,
  listing,
  orCallError,
  tagMap,
} from "./collector.ts";
import { collectPages, createLimiter, mapLimit } from "./concurrency.ts";

/**
 * Trails are recorded in their home region only: a multi-region trail also appears in every other region as
 * a "shadow trail", which DescribeTrails leaves out when asked to.
 */
export const cloudtrailCollector: Collector = {
  service: "cloudtrail",
  global: false,
  // The calls this code makes (test/aws/scan-policy.test.ts reads the source and holds this list to it).
  actions: [
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetEventSelectors",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:ListTags",
  ],
  async collect(ctx) {
    return listing(ctx, "DescribeTrails", () => trails(ctx));
  },
};

/** ListTags takes at most 20 trail ARNs per call. */
const TAG_BATCH = 20;

async function trails(ctx: CollectorContext): Promise<ConfigurationItem[]> {
  const cloudtrail = ctx.clients.cloudtrail;
  const answer = await cloudtrail.send(new DescribeTrailsCommand({ includeShadowTrails: false }));
  const homed = (answer.trailList ?? []).filter(
    (t) => t.TrailARN && (t.HomeRegion ?? ctx.region) === ctx.region,
  );
  const tags = await tagsOf(
    cloudtrail,
    homed.map((t) => t.TrailARN!),
  );
  const limit = createLimiter(ctx.perResourceConcurrency);
  return mapLimit(homed, ctx.perResourceConcurrency, async (trail: Trail) => {
    const TrailName = trail.TrailARN!;
    const [status, selectors] = await Promise.all([
      limit(() =>
        orCallError(async () => {
          const { $metadata: _m, ...rest } = await cloudtrail.send(
            new GetTrailStatusCommand({ Name: TrailName }),
          );
          return lowerCamelKeys(rest);
        }),
      ),
      limit(() =>
        orCallError(async () => {
          const got = await cloudtrail.send(new GetEventSelectorsCommand({ TrailName }));
          return {
            eventSelectors: lowerCamelKeys<unknown[]>(got.EventSelectors ?? []),
            advancedEventSelectors: lowerCamelKeys<unknown[]>(got.AdvancedEventSelectors ?? []),
          };
        }),
      ),
    ]);
    const trailTags = tags instanceof Map ? (tags.get(TrailName) ?? {}) : {};
    const supplementaryConfiguration: Record<string, unknown> = { status, eventSelectors: selectors };
    if (!(tags instanceof Map)) supplementaryConfiguration.tags = tags;
    return item(ctx, {
      resourceType: "AWS::CloudTrail::Trail",
      resourceId: trail.Name ?? TrailName,
      resourceName: trail.Name ?? TrailName,
      arn: TrailName,
      awsRegion: trail.HomeRegion ?? ctx.region,
      configuration: lowerCamelKeys(trail),
      supplementaryConfiguration,
      tags: trailTags,
    });
  });
}

async function tagsOf(
  cloudtrail: CloudTrailClient,
  arns: string[],
): Promise<Map<string, Record<string, string>> | CallError> {
  const byArn = new Map<string, Record<string, string>>();
  try {
    for (let i = 0; i < arns.length; i += TAG_BATCH) {
      const batch = arns.slice(i, i + TAG_BATCH);
      const lists = await collectPages(
        paginateListTags({ client: cloudtrail }, { ResourceIdList: batch }),
        (p) => p.ResourceTagList,
      );
      for (const list of lists) if (list.ResourceId) byArn.set(list.ResourceId, tagMap(list.TagsList));
    }
    return byArn;
  } catch (error) {
    return callError(errorCode(error), errorText(error));
  }
}
