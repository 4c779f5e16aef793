import { type AlternateContactType, GetAlternateContactCommand } from "@aws-sdk/client-account";
import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import type { Collector, CollectorContext } from "./collector.ts";
import { item, supplementary } from "./collector.ts";

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

/** The alternate contact types the Account API keeps, as `supplementaryConfiguration.alternateContacts` keys. */
export const ALTERNATE_CONTACT_TYPES = ["SECURITY", "BILLING", "OPERATIONS"] as const;

/**
 * One alternate contact: `null` when none is registered (ResourceNotFoundException), a `$error` marker when
 * it could not be read (an organisation's member account may be denied), else its fields.
 */
function alternateContact(ctx: CollectorContext, type: AlternateContactType) {
  return supplementary(async () => {
    const answer = await ctx.clients
      .get("account")
      .send(new GetAlternateContactCommand({ AlternateContactType: type }));
    const c = answer.AlternateContact;
    return c
      ? {
          name: c.Name ?? null,
          title: c.Title ?? null,
          emailAddress: c.EmailAddress ?? null,
          phoneNumber: c.PhoneNumber ?? null,
        }
      : null;
  }, ["ResourceNotFoundException"]);
}

/**
 * The `AWS::::Account` record. The identity was already read by the orchestrator through STS
 * GetCallerIdentity (it needs the account id before any other call); the collector adds the account's
 * alternate contacts (Account API, one call per contact type).
 */
export const accountCollector: Collector = {
  service: "account",
  global: true,
  // The identity comes from discovery's STS GetCallerIdentity; the contacts from the Account API.
  actions: ["account:GetAlternateContact"],
  async collect(ctx) {
    const contacts = await Promise.all(ALTERNATE_CONTACT_TYPES.map((t) => alternateContact(ctx, t)));
    const alternateContacts = Object.fromEntries(ALTERNATE_CONTACT_TYPES.map((t, i) => [t, contacts[i]]));
    return [
      item(ctx, {
        resourceType: "AWS::::Account",
        resourceId: ctx.accountId,
        resourceName: ctx.accountId,
        // The ARN format of AWS Account Management's account resource.
        arn: `arn:${ctx.partition}:account::${ctx.accountId}:account`,
        awsRegion: "global",
        configuration: { accountId: ctx.accountId },
        supplementaryConfiguration: { alternateContacts },
      }),
    ];
  },
};
