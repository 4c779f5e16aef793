/**
 * Smoke tests of the local test services (`bash scripts/services.sh up`), over the real network.
 * Outside CI a service whose TEST_*_URL is unset is skipped; in CI it fails.
 */
import { GetPolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { Client as OpenSearchClient } from "@opensearch-project/opensearch";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { serviceDescribe } from "../helpers/services.ts";

const dummyCredentials = { accessKeyId: "testing", secretAccessKey: "testing" };

serviceDescribe("moto", "moto (AWS emulator)", (url) => {
  // Never reset here: other test files use the same moto concurrently (each in its own account).
  it("answers its management API", async () => {
    const res = await fetch(new URL("/moto-api/", url));
    expect(res.status).toBe(200);
  });

  it("answers STS GetCallerIdentity with moto's account", async () => {
    const sts = new STSClient({ endpoint: url, region: "us-east-1", credentials: dummyCredentials });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe("123456789012");
    expect(identity.Arn).toMatch(/^arn:aws:sts::123456789012:/);
  });

  it("has the AWS-managed IAM policies loaded (MOTO_IAM_LOAD_MANAGED_POLICIES)", async () => {
    const iam = new IAMClient({ endpoint: url, region: "us-east-1", credentials: dummyCredentials });
    const { Policy } = await iam.send(
      new GetPolicyCommand({ PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }),
    );
    expect(Policy?.PolicyName).toBe("AdministratorAccess");
  });
});

serviceDescribe("opensearch", "OpenSearch with k-NN", (url) => {
  const client = new OpenSearchClient({ node: url });
  const index = `smoke-knn-${process.pid}-${Date.now()}`;

  afterAll(async () => {
    await client.indices.delete({ index, ignore_unavailable: true }).catch(() => undefined);
    await client.close();
  });

  it("is OpenSearch 2.x", async () => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const info = (await res.json()) as { version: { distribution: string; number: string } };
    expect(info.version.distribution).toBe("opensearch");
    expect(info.version.number).toMatch(/^2\.\d+\.\d+$/);
  });

  it("lists the k-NN plugin", async () => {
    const res = await fetch(new URL("/_cat/plugins?format=json", url));
    expect(res.status).toBe(200);
    const plugins = (await res.json()) as Array<{ component: string; version: string }>;
    const knn = plugins.find((p) => p.component === "opensearch-knn");
    expect(knn?.version).toMatch(/^2\.\d+\.\d+\.\d+$/);
  });

  it("round-trips a lucene hnsw knn_vector index", async () => {
    await client.indices.create({
      index,
      body: {
        settings: { index: { knn: true, number_of_shards: 1, number_of_replicas: 0 } },
        mappings: {
          properties: {
            embedding: {
              type: "knn_vector",
              dimension: 3,
              method: { name: "hnsw", engine: "lucene", space_type: "cosinesimil" },
            },
            title: { type: "keyword" },
          },
        },
      },
    });
    await client.index({ index, id: "s3", body: { embedding: [1, 0, 0], title: "s3 encryption" } });
    await client.index({ index, id: "iam", body: { embedding: [0, 1, 0], title: "iam mfa" } });
    await client.indices.refresh({ index });

    const res = await client.search({
      index,
      body: { size: 2, query: { knn: { embedding: { vector: [0.1, 0.9, 0], k: 2 } } } },
    });
    const hits = res.body.hits.hits;
    expect(hits.map((h) => h._id)).toEqual(["iam", "s3"]);
    expect(hits[0]?._source).toMatchObject({ title: "iam mfa" });
    expect(hits[0]?._score).toBeGreaterThan(hits[1]?._score ?? Number.POSITIVE_INFINITY);
  });
});

serviceDescribe("redis", "Redis", (url) => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    await redis.quit();
  });

  it("answers PING and stores a value", async () => {
    await redis.connect();
    expect(await redis.ping()).toBe("PONG");
    const key = `smoke:${process.pid}:${Date.now()}`;
    await redis.set(key, "enforceai", "EX", 30);
    expect(await redis.get(key)).toBe("enforceai");
    await redis.del(key);
  });
});

serviceDescribe("postgres", "PostgreSQL", (url) => {
  const pool = new pg.Pool({ connectionString: url, max: 2 });

  afterAll(async () => {
    await pool.end();
  });

  it("runs select 1 on the test database", async () => {
    const { rows } = await pool.query<{ one: number; db: string; version: number }>(
      "select 1 as one, current_database() as db, current_setting('server_version_num')::int as version",
    );
    expect(rows[0]?.one).toBe(1);
    expect(rows[0]?.db).toBe("enforceai_test");
    expect(rows[0]?.version).toBeGreaterThanOrEqual(150000);
  });
});
