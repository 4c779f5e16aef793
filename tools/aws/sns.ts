import {
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  type Subscription,
  type Topic,
} from "@aws-sdk/client-sns";
import { parsePolicyDocument, tagMap } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

const NEXT_TOKEN = { input: "NextToken", output: "NextToken" };

function count(value: string | undefined): number | null {
  if (value === undefined) return null;
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) ? n : null;
}

/**
 * A subscription as recorded: its ARN ("PendingConfirmation" until the endpoint confirms), the protocol and
 * whether it is confirmed. The endpoint itself is left out: an e-mail address is personal data and an HTTP(S)
 * URL may carry a token in its path or query; the protocol says what the checks need (http vs https).
 */
function subscriptionOf(s: Subscription) {
  const arn = s.SubscriptionArn ?? null;
  return {
    subscriptionArn: arn,
    protocol: s.Protocol ?? null,
    confirmed: arn !== null && arn !== "PendingConfirmation" && arn !== "Deleted",
  };
}

const topics = resource({
  resourceType: "AWS::SNS::Topic",
  client: "sns",
  list: {
    action: "sns:ListTopics",
    command: ListTopicsCommand,
    paging: NEXT_TOKEN,
    items: (page) => page.Topics,
  },
  id: (t: Topic) => t.TopicArn,
  name: (t) => t.TopicArn?.split(":").pop(),
  arn: (t) => t.TopicArn!,
  configuration: (t) => ({ topicArn: t.TopicArn, topicName: t.TopicArn?.split(":").pop() }),
  details: [
    detail({
      key: "attributes",
      action: "sns:GetTopicAttributes",
      command: GetTopicAttributesCommand,
      input: (t: Topic) => ({ TopicArn: t.TopicArn }),
      pick: (answer) => {
        const a = answer.Attributes ?? {};
        return {
          policy: parsePolicyDocument(a.Policy),
          kmsMasterKeyId: a.KmsMasterKeyId || null,
          displayName: a.DisplayName ?? null,
          owner: a.Owner ?? null,
          fifoTopic: a.FifoTopic === "true",
          subscriptionsConfirmed: count(a.SubscriptionsConfirmed),
          subscriptionsPending: count(a.SubscriptionsPending),
          subscriptionsDeleted: count(a.SubscriptionsDeleted),
        };
      },
    }),
    detail({
      key: "subscriptions",
      action: "sns:ListSubscriptionsByTopic",
      command: ListSubscriptionsByTopicCommand,
      paging: NEXT_TOKEN,
      input: (t: Topic) => ({ TopicArn: t.TopicArn }),
      pick: (answer) => (answer.Subscriptions ?? []).map(subscriptionOf),
    }),
  ],
  tagsCall: detail({
    key: "tags",
    action: "sns:ListTagsForResource",
    command: ListTagsForResourceCommand,
    input: (t: Topic) => ({ ResourceArn: t.TopicArn }),
    pick: (answer) => tagMap(answer.Tags),
  }),
});

export const snsSpec: ServiceSpec = { service: "sns", global: false, resources: [topics] };

/** SNS topics with their policy, encryption key and subscriptions (protocol and confirmation only). */
export const snsCollector = specCollector(snsSpec);
