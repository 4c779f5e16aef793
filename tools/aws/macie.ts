import { GetMacieSessionCommand, type GetMacieSessionCommandOutput } from "@aws-sdk/client-macie2";
import { resource, type ServiceSpec, specCollector } from "./spec.ts";

type Session = Partial<GetMacieSessionCommandOutput> & { $none?: true };

/**
 * One item per region. Macie answers a region where it is off with ResourceNotFoundException (moto does so);
 * AWS documents AccessDeniedException "Macie is not enabled" too — that code is indistinguishable from a missing
 * permission, so it stays a coverage gap (unknown) rather than a "not enabled" FAIL.
 */
const sessions = resource({
  resourceType: "AWS::Macie::Session",
  client: "macie2",
  list: {
    action: "macie2:GetMacieSession",
    command: GetMacieSessionCommand,
    items: (page) => [page as Session],
    absentWhen: ["ResourceNotFoundException"],
    absent: () => [{ $none: true } as Session],
  },
  id: (_s: Session, ctx) => `${ctx.accountId}:${ctx.region}`,
  name: (_s, ctx) => `Macie ${ctx.region}`,
  arn: (_s, ctx) => `arn:${ctx.partition}:macie2:${ctx.region}:${ctx.accountId}:session`,
  configuration: (s) => ({
    status: s.$none ? "NOT_ENABLED" : (s.status ?? null),
    createdAt: s.createdAt ?? null,
    findingPublishingFrequency: s.findingPublishingFrequency ?? null,
    serviceRole: s.serviceRole ?? null,
  }),
});

export const macieSpec: ServiceSpec = { service: "macie", global: false, resources: [sessions] };

/** Amazon Macie per region: enabled (and paused or not) or not enabled. */
export const macieCollector = specCollector(macieSpec);
