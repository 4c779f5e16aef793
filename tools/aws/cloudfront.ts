import {
  type DistributionConfig,
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
 * The listing's summary lacks the default root object and the standard logging settings (CloudFront.1 and .5),
 * so one GetDistributionConfig per distribution is needed anyway. Its answer is the whole distribution config, the
 * same document AWS Config records for the type, and the checks read every setting from it
 * (`supplementaryConfiguration.distributionConfig`: viewer certificate, viewer protocol policies, origins with
 * their origin access control and custom origin protocols, origin groups, web ACL, logging, root object). The
 * item's configuration keeps only what the summary adds (id, ARN, domain name, status, aliases, staging), so the
 * settings are not stored twice.
 */
const distributions = resource({
  resourceType: "AWS::CloudFront::Distribution",
  client: "cloudfront",
  list: {
    action: "cloudfront:ListDistributions",
    command: ListDistributionsCommand,
    // The next page's marker is inside the list: DistributionList.NextMarker.
    paging: { input: "Marker", output: "DistributionList.NextMarker" },
    items: (page) => page.DistributionList?.Items,
  },
  id: (d: DistributionSummary) => d.Id,
  name: (d) => d.Aliases?.Items?.[0] ?? d.DomainName ?? d.Id,
  arn: (d, ctx) => d.ARN ?? `arn:${ctx.partition}:cloudfront::${ctx.accountId}:distribution/${d.Id}`,
  configuration: (d) =>
    lowerCamelKeys({
      Id: d.Id,
      ARN: d.ARN,
      DomainName: d.DomainName,
      Status: d.Status,
      LastModifiedTime: d.LastModifiedTime,
      Enabled: d.Enabled,
      Comment: d.Comment,
      Aliases: d.Aliases?.Items ?? [],
      Staging: d.Staging ?? false,
    }),
  details: [
    detail({
      key: "distributionConfig",
      action: "cloudfront:GetDistributionConfig",
      command: GetDistributionConfigCommand,
      input: (d: DistributionSummary) => ({ Id: d.Id }),
      pick: (answer) => {
        if (!answer.DistributionConfig) return null;
        // The caller reference is the creating call's idempotency token, not configuration.
        const { CallerReference: _ref, ...config } = answer.DistributionConfig;
        return lowerCamelKeys(redactOriginHeaders(config));
      },
    }),
  ],
});

/**
 * Custom origin headers often carry a shared secret the origin checks (`X-Origin-Verify`). Their names are kept,
 * their values are not recorded.
 */
function redactOriginHeaders<T extends Pick<DistributionConfig, "Origins">>(d: T): T {
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

/** CloudFront distributions (global) with their distribution config. */
export const cloudfrontCollector = specCollector(cloudfrontSpec);
