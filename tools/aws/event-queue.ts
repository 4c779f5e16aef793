/**
 * The events queue as the watcher sees it: long-polled batches, visibility kept while a message is worked
 * on, deletes after the work is stored, and a dead-letter path that records why. Several consumers may read
 * one queue: SQS hands each message to one of them at a time, and the store's event receipts make a
 * redelivered message a no-op.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";

export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** How many times SQS has handed this message out, this time included. */
  receiveCount: number;
}

export interface SqsConsumerOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** How long a received message stays hidden from other consumers; extended while it is worked on. */
  visibilitySeconds?: number;
}

/** The queue URL's ARN parts: `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME` (emulators use other hosts). */
export function queueNameOf(queueUrl: string): string {
  return new URL(queueUrl).pathname.split("/").filter(Boolean).pop() ?? queueUrl;
}

export class SqsConsumer {
  readonly visibilitySeconds: number;
  private deadLetterUrl: Promise<string | undefined> | undefined;

  constructor(private readonly options: SqsConsumerOptions) {
    this.visibilitySeconds = options.visibilitySeconds ?? 60;
  }

  get queueUrl(): string {
    return this.options.queueUrl;
  }

  /** Up to `max` messages (≤ 10), waiting up to `waitSeconds` (≤ 20) for the first. */
  async receive(max: number, waitSeconds: number, signal?: AbortSignal): Promise<QueueMessage[]> {
    const answer = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
        WaitTimeSeconds: Math.min(20, Math.max(0, Math.round(waitSeconds))),
        VisibilityTimeout: this.visibilitySeconds,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
      { abortSignal: signal },
    );
    return (answer.Messages ?? []).flatMap((m: Message) =>
      m.MessageId && m.ReceiptHandle
        ? [
            {
              messageId: m.MessageId,
              receiptHandle: m.ReceiptHandle,
              body: m.Body ?? "",
              receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
            },
          ]
        : [],
    );
  }

  /** Keeps the messages hidden for another `visibilitySeconds` (called while they are worked on). */
  async extend(messages: readonly QueueMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const batch = messages.slice(i, i + 10);
      await this.options.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: batch.map((m, n) => ({
            Id: String(n),
            ReceiptHandle: m.receiptHandle,
            VisibilityTimeout: this.visibilitySeconds,
          })),
        }),
      );
    }
  }

  async delete(messages: readonly QueueMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const batch = messages.slice(i, i + 10);
      const answer = await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: batch.map((m, n) => ({ Id: String(n), ReceiptHandle: m.receiptHandle })),
        }),
      );
      const failed = answer.Failed ?? [];
      // A delete that failed leaves the message to come back; the receipts make its second pass a no-op.
      if (failed.length > 0 && failed.length === batch.length) {
        throw new Error(
          `SQS refused to delete ${failed.length} messages: ${failed[0]?.Message ?? failed[0]?.Code}`,
        );
      }
    }
  }

  /**
   * The queue's dead-letter queue (its RedrivePolicy's target), or undefined when it has none. Read once.
   */
  deadLetterQueueUrl(): Promise<string | undefined> {
    this.deadLetterUrl ??= (async () => {
      const answer = await this.options.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: this.options.queueUrl, AttributeNames: ["RedrivePolicy"] }),
      );
      const policy = answer.Attributes?.RedrivePolicy;
      if (!policy) return undefined;
      const target = (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
      if (!target) return undefined;
      const [, , , , account, name] = target.split(":");
      const url = await this.options.sqs.send(
        new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
      );
      return url.QueueUrl;
    })().catch((error: unknown) => {
      this.deadLetterUrl = undefined;
      throw error;
    });
    return this.deadLetterUrl;
  }

  /**
   * Moves a message to the dead-letter queue with the reason as a message attribute, then deletes it here.
   * Without a dead-letter queue the message stays (SQS's own redrive or retention decides) and false is
   * answered.
   */
  async deadLetter(message: QueueMessage, reason: string): Promise<boolean> {
    const dlq = await this.deadLetterQueueUrl();
    if (!dlq) return false;
    await this.options.sqs.send(
      new SendMessageCommand({
        QueueUrl: dlq,
        MessageBody: message.body.length > 0 ? message.body : "(empty body)",
        MessageAttributes: {
          "enforceai-reason": { DataType: "String", StringValue: reason.slice(0, 1_000) },
          "enforceai-source-queue": { DataType: "String", StringValue: queueNameOf(this.options.queueUrl) },
          "enforceai-receive-count": { DataType: "Number", StringValue: String(message.receiveCount) },
        },
      }),
    );
    await this.delete([message]);
    return true;
  }
}
