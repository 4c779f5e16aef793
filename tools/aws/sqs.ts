import { GetQueueAttributesCommand, ListQueuesCommand, ListQueueTagsCommand } from "@aws-sdk/client-sqs";
import { lowerCamel } from "../../src/domain/shape.ts";
import type { CollectorContext } from "./collector.ts";
import { parsePolicyDocument } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/** `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME` → its account and name. */
function queueParts(url: string, ctx: CollectorContext): { accountId: string; name: string } {
  const segments = url.replace(/\/+$/, "").split("/");
  const name = segments[segments.length - 1] ?? url;
  const account = segments[segments.length - 2];
  return { accountId: account && /^\d{12}$/.test(account) ? account : ctx.accountId, name };
}

function queueArn(url: string, ctx: CollectorContext): string {
  const { accountId, name } = queueParts(url, ctx);
  return `arn:${ctx.partition}:sqs:${ctx.region}:${accountId}:${name}`;
}

/** Attributes whose value is a JSON document. */
const JSON_ATTRIBUTES = new Set(["Policy", "RedrivePolicy", "RedriveAllowPolicy"]);

/**
 * GetQueueAttributes answers every value as a string: lowerCamel keys, JSON documents parsed (the policy keeps
 * AWS's own keys, as the policy evaluators read them), "true"/"false" as booleans and counts as numbers.
 * The approximate message counts are samples, not configuration, and are left out.
 */
export function queueAttributes(attributes: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    policy: null,
    redrivePolicy: null,
    kmsMasterKeyId: null,
    sqsManagedSseEnabled: false,
  };
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith("ApproximateNumberOfMessages")) continue;
    const key = lowerCamel(name);
    if (JSON_ATTRIBUTES.has(name)) out[key] = parsePolicyDocument(value);
    else if (value === "true" || value === "false") out[key] = value === "true";
    else if (/^\d+$/.test(value) && name !== "KmsMasterKeyId") out[key] = Number(value);
    else out[key] = value === "" ? null : value;
  }
  return out;
}

/**
 * Queues of the region, named by queue URL (as AWS Config does), with `queueUrl`, `queueArn` and `queueName` in
 * the configuration. Per queue: all attributes (encryption, policy, redrive policy, FIFO, retention) and the tags.
 */
const queues = resource({
  resourceType: "AWS::SQS::Queue",
  client: "sqs",
  list: {
    action: "sqs:ListQueues",
    command: ListQueuesCommand,
    // Without MaxResults ListQueues answers at most 1000 URLs and no NextToken.
    input: { MaxResults: 1000 },
    paging: { input: "NextToken", output: "NextToken" },
    items: (page) => page.QueueUrls,
  },
  id: (url: string) => url,
  name: (url, ctx) => queueParts(url, ctx).name,
  arn: (url, ctx) => queueArn(url, ctx),
  configuration: (url, ctx) => ({
    queueUrl: url,
    queueArn: queueArn(url, ctx),
    queueName: queueParts(url, ctx).name,
  }),
  details: [
    detail({
      key: "attributes",
      action: "sqs:GetQueueAttributes",
      command: GetQueueAttributesCommand,
      input: (url: string) => ({ QueueUrl: url, AttributeNames: ["All" as const] }),
      pick: (answer) => queueAttributes(answer.Attributes ?? {}),
    }),
  ],
  tagsCall: detail({
    key: "tags",
    action: "sqs:ListQueueTags",
    command: ListQueueTagsCommand,
    input: (url: string) => ({ QueueUrl: url }),
    pick: (answer) => ({ ...(answer.Tags ?? {}) }),
  }),
});

export const sqsSpec: ServiceSpec = { service: "sqs", global: false, resources: [queues] };

/** Amazon SQS per region: queues with their attributes (encryption, access policy, dead-letter queue) and tags. */
export const sqsCollector = specCollector(sqsSpec);
