import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import type { Collector } from "./collector.ts";
import { item } from "./collector.ts";

export interface CallerIdentity {
  accountId: string;
  /** `aws`, `aws-cn`, `aws-us-gov` */
  partition: string;
  arn: string;
}

/** Who the scan runs as. Every scan starts here: the account id goes into every ARN and item. */
export async function getCallerIdentity(sts: STSClient): Promise<CallerIdentity> {
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  if (!identity.Account || !identity.Arn)
    throw new Error("STS GetCallerIdentity answered without an account id");
  return { accountId: identity.Account, partition: identity.Arn.split(":")[1] ?? "aws", arn: identity.Arn };
}

/**
 * The `AWS::::Account` record. The identity was already read by the orchestrator through STS
 * GetCallerIdentity (it needs the account id before any other call), so this collector makes no call.
 */
export const accountCollector: Collector = {
  service: "account",
  global: true,
  // No call of its own: the identity comes from discovery's STS GetCallerIdentity.
  actions: [],
  async collect(ctx) {
    return [
      item(ctx, {
        resourceType: "AWS::::Account",
        resourceId: ctx.accountId,
        resourceName: ctx.accountId,
        // The ARN format of AWS Account Management's account resource.
        arn: `arn:${ctx.partition}:account::${ctx.accountId}:account`,
        awsRegion: "global",
        configuration: { accountId: ctx.accountId },
        supplementaryConfiguration: {},
      }),
    ];
  },
};
