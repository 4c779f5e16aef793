import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.ts";
import { type CatalogProvider, createCatalogProvider } from "../../src/services/catalog.ts";
import type { Store } from "../../src/store/index.ts";
import { storeBackends } from "../helpers/stores.ts";

const logger = createLogger({ level: "silent", format: "json" });

const customCheck = (id: string) => ({
  id,
  title: "Buckets carry an owner tag",
  service: "s3",
  resourceType: "AWS::S3::Bucket",
  severity: "low" as const,
  description: "Every bucket names the team that owns it.",
  risk: "Nobody answers for an unowned bucket.",
  pass: { key: "tags.owner", op: "present" as const },
  remediation: { steps: ["Tag the bucket with owner=TEAM."] },
  references: [],
});

describe.each(storeBackends())("the catalog provider on $name", (backend) => {
  let store: Store;
  let clock = 0;
  let provider: CatalogProvider;
  beforeAll(async () => {
    store = await backend.open();
    provider = createCatalogProvider({
      sources: {},
      store,
      logger,
      recheckMs: 1_000,
      now: () => clock,
    });
  });
  afterAll(async () => {
    await store.close();
  });

  it("gives one object while nothing changed, and shares a rebuild between concurrent callers", async () => {
    const [a, b] = await Promise.all([provider.current(), provider.current()]);
    expect(a).toBe(b);
    expect(a.checks.length).toBeGreaterThan(90);
    clock += 5_000; // past the recheck: the stored inputs are read again, and are the same
    expect(await provider.current()).toBe(a);
  });

  it("includes a stored custom check after invalidate(), and its control mapping", async () => {
    const before = await provider.current();
    await store.policies.create(
      customCheck("acme_bucket_owner_tag"),
      [{ framework: "soc2", controlId: "CC6.1" }],
      "tester",
      new Date(),
    );
    // Within the recheck time and without invalidate(), the catalog stays as it was.
    expect(await provider.current()).toBe(before);
    provider.invalidate();
    const after = await provider.current();
    expect(after).not.toBe(before);
    expect(after.checks.map((c) => c.check.id)).toContain("acme_bucket_owner_tag");
    expect(after.refs.get("acme_bucket_owner_tag")).toEqual([
      expect.objectContaining({ framework: "soc2", controlId: "CC6.1" }),
    ]);
    // The file catalog never includes stored checks.
    expect((await provider.files()).checks.map((c) => c.check.id)).not.toContain("acme_bucket_owner_tag");
  });

  it("sees a change made by another process once the recheck time has passed", async () => {
    const before = await provider.current();
    await store.policies.delete("acme_bucket_owner_tag");
    expect(await provider.current()).toBe(before);
    clock += 1_001;
    expect((await provider.current()).checks.map((c) => c.check.id)).not.toContain("acme_bucket_owner_tag");
  });

  it("a rebuild under way when invalidate() is called is not the answer to later callers", async () => {
    const first = provider.current();
    provider.invalidate();
    await store.policies.create(customCheck("acme_late_check"), [], "tester", new Date());
    provider.invalidate();
    await first;
    expect((await provider.current()).checks.map((c) => c.check.id)).toContain("acme_late_check");
  });
});
