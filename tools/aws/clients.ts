import { setMaxListeners } from "node:events";
import { AccessAnalyzerClient } from "@aws-sdk/client-accessanalyzer";
import { AccountClient } from "@aws-sdk/client-account";
import { ACMClient } from "@aws-sdk/client-acm";
import { APIGatewayClient } from "@aws-sdk/client-api-gateway";
import { ApiGatewayV2Client } from "@aws-sdk/client-apigatewayv2";
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { BackupClient } from "@aws-sdk/client-backup";
import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ConfigServiceClient } from "@aws-sdk/client-config-service";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client, type EC2ClientConfig } from "@aws-sdk/client-ec2";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { EFSClient } from "@aws-sdk/client-efs";
import { EKSClient } from "@aws-sdk/client-eks";
import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { FirehoseClient } from "@aws-sdk/client-firehose";
import { GuardDutyClient } from "@aws-sdk/client-guardduty";
import { IAMClient } from "@aws-sdk/client-iam";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { KMSClient } from "@aws-sdk/client-kms";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { Macie2Client } from "@aws-sdk/client-macie2";
import { OpenSearchClient } from "@aws-sdk/client-opensearch";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { RDSClient } from "@aws-sdk/client-rds";
import { RedshiftClient } from "@aws-sdk/client-redshift";
import { Route53Client } from "@aws-sdk/client-route-53";
import { S3Client } from "@aws-sdk/client-s3";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import { WAFV2Client } from "@aws-sdk/client-wafv2";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { AWS_SERVICE_ENDPOINT_VARIABLES } from "../../src/config/index.ts";

/** Credentials as every SDK v3 client accepts them: static keys or a provider. */
export type AwsCredentials = NonNullable<EC2ClientConfig["credentials"]>;

export type RetryMode = "standard" | "adaptive";

export interface ClientKinds {
  ec2: EC2Client;
  s3: S3Client;
  s3control: S3ControlClient;
  iam: IAMClient;
  rds: RDSClient;
  lambda: LambdaClient;
  cloudtrail: CloudTrailClient;
  kms: KMSClient;
  sts: STSClient;
  logs: CloudWatchLogsClient;
  cloudwatch: CloudWatchClient;
  sns: SNSClient;
  config: ConfigServiceClient;
  securityhub: SecurityHubClient;
  guardduty: GuardDutyClient;
  efs: EFSClient;
  accessanalyzer: AccessAnalyzerClient;
  account: AccountClient;
  organizations: OrganizationsClient;
  macie2: Macie2Client;
  elb: ElasticLoadBalancingClient;
  elbv2: ElasticLoadBalancingV2Client;
  acm: ACMClient;
  wafv2: WAFV2Client;
  secretsmanager: SecretsManagerClient;
  ssm: SSMClient;
  dynamodb: DynamoDBClient;
  applicationautoscaling: ApplicationAutoScalingClient;
  sqs: SQSClient;
  ecr: ECRClient;
  ecs: ECSClient;
  eks: EKSClient;
  cloudfront: CloudFrontClient;
  apigateway: APIGatewayClient;
  apigatewayv2: ApiGatewayV2Client;
  backup: BackupClient;
  opensearch: OpenSearchClient;
  elasticache: ElastiCacheClient;
  redshift: RedshiftClient;
  autoscaling: AutoScalingClient;
  route53: Route53Client;
  kinesis: KinesisClient;
  firehose: FirehoseClient;
  eventbridge: EventBridgeClient;
}
export type ClientKind = keyof ClientKinds;

/** What every client of one scan shares; `endpoint` is already resolved for the client's service. */
export interface ClientSettings {
  region: string;
  endpoint?: string;
  credentials?: AwsCredentials;
  /** A named profile of the shared config files (the remediation profile). */
  profile?: string;
  maxAttempts: number;
  retryMode: RetryMode;
}

/** Builds one SDK client. Tests pass their own to add middleware (fault injection, attempt counting). */
export type ClientFactory = <K extends ClientKind>(kind: K, settings: ClientSettings) => ClientKinds[K];

/** Ties the client kinds to the per-service endpoint variables config resolves (a new kind needs one there). */
const _endpointVariables: Record<ClientKind, string> = AWS_SERVICE_ENDPOINT_VARIABLES;

export const createClient: ClientFactory = <K extends ClientKind>(kind: K, settings: ClientSettings) => {
  const { endpoint, ...rest } = settings;
  const common = {
    ...rest,
    ...(endpoint ? { endpoint } : {}),
    // Bounded waits: a hung connection must become a retry or a coverage gap, never a stuck scan.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  };
  const clients: { [P in ClientKind]: () => ClientKinds[P] } = {
    ec2: () => new EC2Client(common),
    // Emulators and other custom endpoints serve buckets by path, not by virtual host name. No
    // followRegionRedirects: buckets are read in their own region, and redirects would add hidden HeadBucket calls.
    s3: () => new S3Client({ ...common, forcePathStyle: Boolean(endpoint) }),
    // S3 Control puts the account id into the host name (`123456789012.s3-control...`), which a custom
    // endpoint such as `http://127.0.0.1:5055` cannot carry. The request still sends the account id in the
    // `x-amz-account-id` header, so with a custom endpoint we address the endpoint itself.
    s3control: () =>
      new S3ControlClient(
        endpoint ? { ...common, endpointProvider: () => ({ url: new URL(endpoint) }) } : common,
      ),
    iam: () => new IAMClient(common),
    rds: () => new RDSClient(common),
    lambda: () => new LambdaClient(common),
    cloudtrail: () => new CloudTrailClient(common),
    kms: () => new KMSClient(common),
    sts: () => new STSClient(common),
    logs: () => new CloudWatchLogsClient(common),
    cloudwatch: () => new CloudWatchClient(common),
    sns: () => new SNSClient(common),
    config: () => new ConfigServiceClient(common),
    securityhub: () => new SecurityHubClient(common),
    guardduty: () => new GuardDutyClient(common),
    efs: () => new EFSClient(common),
    accessanalyzer: () => new AccessAnalyzerClient(common),
    account: () => new AccountClient(common),
    organizations: () => new OrganizationsClient(common),
    macie2: () => new Macie2Client(common),
    elb: () => new ElasticLoadBalancingClient(common),
    elbv2: () => new ElasticLoadBalancingV2Client(common),
    acm: () => new ACMClient(common),
    wafv2: () => new WAFV2Client(common),
    secretsmanager: () => new SecretsManagerClient(common),
    ssm: () => new SSMClient(common),
    dynamodb: () => new DynamoDBClient(common),
    applicationautoscaling: () => new ApplicationAutoScalingClient(common),
    sqs: () => new SQSClient(common),
    ecr: () => new ECRClient(common),
    ecs: () => new ECSClient(common),
    eks: () => new EKSClient(common),
    cloudfront: () => new CloudFrontClient(common),
    apigateway: () => new APIGatewayClient(common),
    apigatewayv2: () => new ApiGatewayV2Client(common),
    backup: () => new BackupClient(common),
    opensearch: () => new OpenSearchClient(common),
    elasticache: () => new ElastiCacheClient(common),
    redshift: () => new RedshiftClient(common),
    autoscaling: () => new AutoScalingClient(common),
    route53: () => new Route53Client(common),
    // Kinesis defaults to HTTP/2, which only SubscribeToShard needs (never called); emulators speak HTTP/1.1 only.
    kinesis: () =>
      new KinesisClient({ ...common, requestHandler: new NodeHttpHandler(common.requestHandler) }),
    firehose: () => new FirehoseClient(common),
    eventbridge: () => new EventBridgeClient(common),
  };
  return clients[kind]() as ClientKinds[K];
};

/** Counts SDK commands (not retry attempts) per `service:Operation`. */
export class ApiCallCounter {
  readonly byOperation = new Map<string, number>();
  total = 0;

  record(service: string, operation: string): void {
    const key = `${service}:${operation}`;
    this.byOperation.set(key, (this.byOperation.get(key) ?? 0) + 1);
    this.total += 1;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.byOperation.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}

type Handler = (args: { input: object }) => Promise<unknown>;
interface StackWithAdd {
  add(
    middleware: (next: Handler, context: { commandName?: string }) => Handler,
    options: { step: "initialize"; name: string; override?: boolean },
  ): void;
}

/** Installs the call counter on a client. `initialize` runs once per command, outside the retry loop. */
export function countCalls(
  client: { middlewareStack: unknown },
  kind: ClientKind,
  counter: ApiCallCounter,
): void {
  (client.middlewareStack as StackWithAdd).add(
    (next, context) => async (args) => {
      counter.record(kind, (context.commandName ?? "Unknown").replace(/Command$/, ""));
      return next(args);
    },
    { step: "initialize", name: "enforceaiApiCallCounter", override: true },
  );
}

/**
 * The clients of one (account, region), created on first use and counted. Clients of a scan are destroyed
 * at its end so that sockets do not keep the process alive.
 */
export class AwsClientSet {
  private readonly cache = new Map<ClientKind, ClientKinds[ClientKind]>();

  constructor(
    readonly region: string,
    private readonly settingsFor: (kind: ClientKind) => ClientSettings,
    private readonly factory: ClientFactory,
    private readonly counter: ApiCallCounter,
  ) {}

  get<K extends ClientKind>(kind: K): ClientKinds[K] {
    let client = this.cache.get(kind) as ClientKinds[K] | undefined;
    if (!client) {
      client = this.factory(kind, this.settingsFor(kind));
      countCalls(client, kind, this.counter);
      this.cache.set(kind, client);
    }
    return client;
  }

  get ec2(): EC2Client {
    return this.get("ec2");
  }
  get s3(): S3Client {
    return this.get("s3");
  }
  get s3control(): S3ControlClient {
    return this.get("s3control");
  }
  get iam(): IAMClient {
    return this.get("iam");
  }
  get rds(): RDSClient {
    return this.get("rds");
  }
  get lambda(): LambdaClient {
    return this.get("lambda");
  }
  get cloudtrail(): CloudTrailClient {
    return this.get("cloudtrail");
  }
  get kms(): KMSClient {
    return this.get("kms");
  }
  get sts(): STSClient {
    return this.get("sts");
  }

  destroy(): void {
    for (const client of this.cache.values()) client.destroy();
    this.cache.clear();
  }

  /**
   * The same clients, every `send` carrying `signal` as its `abortSignal`: an abort cancels the calls in flight,
   * and once aborted no call is sent at all (it fails at once with the abort reason).
   */
  withSignal(signal: AbortSignal | undefined): AwsClientSet {
    return signal ? new AbortableClientSet(this, signal) : this;
  }
}

type Send = (command: unknown, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;

class AbortableClientSet extends AwsClientSet {
  private readonly wrapped = new Map<ClientKind, ClientKinds[ClientKind]>();

  constructor(
    private readonly base: AwsClientSet,
    private readonly signal: AbortSignal,
  ) {
    super(
      base.region,
      () => {
        throw new Error("an abortable view makes no clients of its own");
      },
      createClient,
      new ApiCallCounter(),
    );
    // One signal goes to every call of a run (each in-flight request listens to it): that is not a leak.
    setMaxListeners(0, signal);
  }

  override get<K extends ClientKind>(kind: K): ClientKinds[K] {
    let client = this.wrapped.get(kind) as ClientKinds[K] | undefined;
    if (!client) {
      const inner = this.base.get(kind);
      const send = (inner.send as Send).bind(inner);
      const signal = this.signal;
      // A view of the shared client: middleware, config and instanceof stay the client's own.
      client = Object.create(inner, {
        send: {
          value: (command: unknown, options?: { abortSignal?: AbortSignal }) => {
            signal.throwIfAborted();
            return send(command, { ...options, abortSignal: signal });
          },
        },
      }) as ClientKinds[K];
      this.wrapped.set(kind, client);
    }
    return client;
  }

  /** The clients belong to the access this view was taken from. */
  override destroy(): void {}
}
