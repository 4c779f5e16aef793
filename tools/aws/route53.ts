import {
  GetDNSSECCommand,
  type HostedZone,
  ListHostedZonesCommand,
  ListQueryLoggingConfigsCommand,
  type QueryLoggingConfig,
} from "@aws-sdk/client-route-53";
import { callError, lowerCamelKeys } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type Collector, type CollectorContext, errorCode, errorText } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/** `/hostedzone/Z123` → `Z123` (the listing gives the path form, the other calls accept either). */
export function zoneId(id: string | undefined): string | undefined {
  return id?.replace(/^\/hostedzone\//, "");
}

const isPublic = (z: HostedZone) => z.Config?.PrivateZone !== true;

/**
 * Hosted zones of the account (Route 53 is global: one pass, recorded as `global`). Per public zone GetDNSSEC
 * tells whether Route 53 signs the zone; private zones cannot be signed and get `null`.
 */
const hostedZones = resource({
  resourceType: "AWS::Route53::HostedZone",
  client: "route53",
  list: {
    action: "route53:ListHostedZones",
    command: ListHostedZonesCommand,
    paging: { input: "Marker", output: "NextMarker" },
    items: (page) => page.HostedZones,
  },
  id: (z: HostedZone) => zoneId(z.Id),
  name: (z) => z.Name?.replace(/\.$/, "") || zoneId(z.Id),
  arn: (z, ctx) => `arn:${ctx.partition}:route53:::hostedzone/${zoneId(z.Id)}`,
  configuration: (z) => ({
    ...lowerCamelKeys(z),
    id: zoneId(z.Id),
    privateZone: z.Config?.PrivateZone === true,
  }),
  details: [
    detail({
      key: "dnssec",
      action: "route53:GetDNSSEC",
      command: GetDNSSECCommand,
      when: isPublic,
      input: (z: HostedZone) => ({ HostedZoneId: zoneId(z.Id) }),
      pick: (answer) => ({
        serveSignature: answer.Status?.ServeSignature ?? null,
        statusMessage: answer.Status?.StatusMessage ?? null,
        keySigningKeys: (answer.KeySigningKeys ?? []).map((k) => ({
          name: k.Name ?? null,
          status: k.Status ?? null,
        })),
      }),
    }),
  ],
});

/**
 * The account's DNS query logging configurations, read once (not per zone). They are not recorded as items of
 * their own: each hosted zone item carries the ones that name it (`supplementaryConfiguration.queryLoggingConfigs`).
 */
const queryLoggingConfigs = resource({
  resourceType: "AWS::Route53::QueryLoggingConfig",
  client: "route53",
  list: {
    action: "route53:ListQueryLoggingConfigs",
    command: ListQueryLoggingConfigsCommand,
    paging: { input: "NextToken", output: "NextToken" },
    items: (page) => page.QueryLoggingConfigs,
  },
  id: (c: QueryLoggingConfig) => c.Id,
  arn: (c, ctx) => `arn:${ctx.partition}:route53:::queryloggingconfig/${c.Id}`,
  configuration: (c) => ({
    id: c.Id ?? null,
    hostedZoneId: zoneId(c.HostedZoneId) ?? null,
    cloudWatchLogsLogGroupArn: c.CloudWatchLogsLogGroupArn ?? null,
  }),
});

export const route53Spec: ServiceSpec = {
  service: "route53",
  global: true,
  resources: [hostedZones, queryLoggingConfigs],
};

const ZONE = "AWS::Route53::HostedZone";
const QUERY_LOGGING = "AWS::Route53::QueryLoggingConfig";
const QUERY_LOGGING_LISTING = "ListQueryLoggingConfigs";

/**
 * Joins the query logging configurations onto their zones. When their one listing fails, every zone's
 * `queryLoggingConfigs` is a `$error` marker (its logging is unknown, not missing); that is not a coverage gap,
 * since every zone was still listed.
 */
export function joinQueryLogging(items: ConfigurationItem[], listingError: unknown): ConfigurationItem[] {
  const configs = items.filter((i) => i.resourceType === QUERY_LOGGING).map((i) => i.configuration);
  const marker =
    listingError === undefined ? undefined : callError(errorCode(listingError), errorText(listingError));
  return items
    .filter((i) => i.resourceType !== QUERY_LOGGING)
    .map((i) =>
      i.resourceType !== ZONE
        ? i
        : {
            ...i,
            supplementaryConfiguration: {
              ...i.supplementaryConfiguration,
              queryLoggingConfigs:
                marker ??
                configs
                  .filter((c) => c.hostedZoneId === i.resourceId)
                  .map(({ id, cloudWatchLogsLogGroupArn }) => ({ id, cloudWatchLogsLogGroupArn })),
            },
          },
    );
}

const base = specCollector(route53Spec);

/** Route 53 (global): hosted zones with DNSSEC signing status and DNS query logging. */
export const route53Collector: Collector & { spec: ServiceSpec } = {
  ...base,
  async collect(ctx: CollectorContext) {
    let listingError: unknown;
    const inner: CollectorContext = {
      ...ctx,
      // Zones carry the configs that name them: a targeted read must still list every config.
      wants: undefined,
      recordGap: (what, error) => {
        if (what === QUERY_LOGGING_LISTING) listingError = error;
        else ctx.recordGap(what, error);
      },
    };
    return joinQueryLogging(await base.collect(inner), listingError);
  },
};
