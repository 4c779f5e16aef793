import {
  type DistributionSummary,
  GetDistributionConfigCommand,
  ListDistributionsCommand,
} from "@aws-sdk/client-cloudfront";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/**
 * CloudFront distributions of the account. CloudFront is a global service: the SDK resolves its one endpoint
 * (signed for us-east-1 in the aws partition) whatever region the client names, and the items are recorded as
 * `global`.
 *
 * The listing's summary already carries what most checks read: the viewer certificate (minimum protocol version,
 * SSL support method, default certificate or not), the viewer protocol policy of the default and every other cache
 * behavior (with their field-level encryption ids), the origins (S3 origin access identity, origin access control,
 * custom origins' protocol policy and SSL protocols), the origin groups (failover) and the web ACL id. Only the
 * default root object and the standard logging settings are missing from it, so one GetDistributionConfig per
 * distribution reads those two and nothing else is kept of its answer.
 */
const distributions = resource({
  resourceType: "AWS::CloudFront::Distribution",
  client: "cloudfront",
  list: {
    action: "cloudfront:ListDistributions",
    command: ListDistributionsCommand,
    paging: { input: "Marker", output: "NextMarker" },
    items: (page) => page.DistributionList?.Items,
  },
  id: (d: DistributionSummary) => d.Id,
  name: (d) => d.Aliases?.Items?.[0] ?? d.DomainName ?? d.Id,
  arn: (d, ctx) => d.ARN ?? `arn:${ctx.partition}:cloudfront::${ctx.accountId}:distribution/${d.Id}`,
  configuration: (d) => {
    // The ETag changes with every update and is a concurrency token, not configuration.
    const { ETag: _etag, ...rest } = d;
    return lowerCamelKeys(redactOriginHeaders(rest));
  },
  details: [
    detail({
      key: "distributionConfig",
      action: "cloudfront:GetDistributionConfig",
      command: GetDistributionConfigCommand,
      input: (d: DistributionSummary) => ({ Id: d.Id }),
      pick: (answer) => {
        const config = answer.DistributionConfig;
        if (!config) return null;
        const logging = config.Logging;
        return {
          // CloudFront answers "" for "no default root object".
          defaultRootObject: config.DefaultRootObject || null,
          logging: logging
            ? {
                enabled: logging.Enabled ?? false,
                bucket: logging.Bucket || null,
                prefix: logging.Prefix ?? null,
                includeCookies: logging.IncludeCookies ?? false,
              }
            : null,
        };
      },
    }),
  ],
});

/**
 * Custom origin headers often carry a shared secret the origin checks (`X-Origin-Verify`). Their names are kept,
 * their values are not recorded.
 */
function redactOriginHeaders<T extends Pick<DistributionSummary, "Origins">>(d: T): T {
  const origins = d.Origins?.Items;
  if (!origins) return d;
  return {
    ...d,
    Origins: {
      ...d.Origins,
      Items: origins.map((o) =>
        o.CustomHeaders?.Items
          ? {
              ...o,
              CustomHeaders: {
                ...o.CustomHeaders,
                Items: o.CustomHeaders.Items.map((h) => ({
                  HeaderName: h.HeaderName,
                  HeaderValue: "(redacted)",
                })),
              },
            }
          : o,
      ),
    },
  };
}

export const cloudfrontSpec: ServiceSpec = {
  service: "cloudfront",
  global: true,
  resources: [distributions],
};

/** CloudFront distributions (global): the listing's summary plus default root object and logging. */
export const cloudfrontCollector = specCollector(cloudfrontSpec);
