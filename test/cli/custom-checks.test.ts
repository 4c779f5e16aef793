import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PACKAGE_ROOT } from "../../src/paths.ts";
import { runCli } from "../helpers/cli.ts";

// Each test runs the real CLI several times (a process and an embedded database each): give it room under load.
vi.setConfig({ testTimeout: 180_000 });

let home: string;
let checks: string;
let frameworks: string;
beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "enforceai-custom-"));
  checks = path.join(home, "checks");
  frameworks = path.join(home, "frameworks");
  await mkdir(checks);
  await mkdir(frameworks);
  await writeFile(
    path.join(checks, "acme_bucket_has_owner_tag.yaml"),
    `id: acme_bucket_has_owner_tag
title: Every bucket names its owning team
service: s3
resourceType: AWS::S3::Bucket
severity: low
description: Our tagging standard asks every bucket to carry an Owner tag.
risk: Nobody answers for an untagged bucket when it leaks or costs money.
pass:
  key: tags.Owner
  label: Owner tag
  op: present
remediation:
  steps: [Add an Owner tag naming the team.]
`,
  );
  await writeFile(
    path.join(frameworks, "acme.yaml"),
    `id: acme-internal
name: ACME internal cloud policy
version: "2026"
description: The rules our platform team enforces on every account.
controls:
  - id: TAG-1
    title: Resources carry an owner
    description: Every bucket has an Owner tag so that someone answers for it.
    checks: [acme_bucket_has_owner_tag]
`,
  );
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("custom checks and frameworks added as files", () => {
  it("scores a framework added as a file, with a custom check, with no code change", async () => {
    const env = { ENFORCEAI_HOME: home, ENFORCEAI_CHECKS_DIR: checks, ENFORCEAI_FRAMEWORKS_DIR: frameworks };
    const list = await runCli(["frameworks", "list", "--json"], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toContainEqual({
      id: "acme-internal",
      name: "ACME internal cloud policy",
      version: "2026",
      controls: 1,
      automatedControls: 1,
    });
    const r = await runCli(["demo", "--frameworks", "acme-internal", "--format", "json"], env);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const owner = report.findings.filter(
      (f: { checkId: string }) => f.checkId === "acme_bucket_has_owner_tag",
    );
    expect(owner.length).toBeGreaterThan(5);
    expect(
      owner.every(
        (f: { frameworks: unknown[] }) =>
          JSON.stringify(f.frameworks) === '[{"framework":"acme-internal","controlId":"TAG-1"}]',
      ),
    ).toBe(true);
    expect(report.scan.scores["acme-internal"]).toBeDefined();
    expect(Object.keys(report.scan.scores)).toEqual(["acme-internal"]);
  });

  it("rejects an invalid custom check with the file and the field, and exit code 2", async () => {
    const bad = path.join(home, "bad-checks");
    await mkdir(bad);
    await writeFile(
      path.join(bad, "broken.yaml"),
      "id: acme_broken_check\ntitle: Broken check\nservice: s3\nresourceType: AWS::S3::Bucket\nseverity: severe\n",
    );
    const r = await runCli(["frameworks", "list"], { ENFORCEAI_HOME: home, ENFORCEAI_CHECKS_DIR: bad });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^enforceai: invalid check file: .*broken\.yaml: severity: /);
  });

  it("refuses a custom check that reuses a built-in id", async () => {
    const dup = path.join(home, "dup-checks");
    await mkdir(dup);
    await copyFile(
      path.join(PACKAGE_ROOT, "knowledge/checks/s3/s3_bucket_versioning_enabled.yaml"),
      path.join(dup, "dup.yaml"),
    );
    const r = await runCli(["frameworks", "list"], { ENFORCEAI_HOME: home, ENFORCEAI_CHECKS_DIR: dup });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/id: "s3_bucket_versioning_enabled" is already defined in/);
  });
});

describe("custom check files nested too deeply (issue 17, item 4)", () => {
  const header =
    "id: acme_deep_check\ntitle: A deeply nested check\nservice: s3\nresourceType: AWS::S3::Bucket\n" +
    "severity: low\ndescription: Nested conditions for the depth limit.\nrisk: None; this exists for the test.\n" +
    "remediation:\n  steps: [none]\n";

  it("exits 2 naming the limit, for a file the YAML parser cannot nest and one just past the limit", async () => {
    const deep = path.join(home, "deep-checks");
    await mkdir(deep);
    let flow = "{key: tags.Owner, op: present}";
    for (let i = 0; i < 5000; i++) flow = `{not: ${flow}}`;
    await writeFile(path.join(deep, "deep.yaml"), `${header}pass: ${flow}\n`);
    const r = await runCli(["frameworks", "list"], { ENFORCEAI_HOME: home, ENFORCEAI_CHECKS_DIR: deep });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^enforceai: invalid check file: .*deep\.yaml: nests too deeply to read; .*32 levels/,
    );

    const justPast = path.join(home, "just-past-checks");
    await mkdir(justPast);
    let block = "pass:\n";
    let indent = "  ";
    for (let i = 0; i < 32; i++) {
      block += `${indent}not:\n`;
      indent += "  ";
    }
    await writeFile(
      path.join(justPast, "past.yaml"),
      `${header}${block}${indent}key: tags.Owner\n${indent}op: present\n`,
    );
    const past = await runCli(["frameworks", "list"], {
      ENFORCEAI_HOME: home,
      ENFORCEAI_CHECKS_DIR: justPast,
    });
    expect(past.code).toBe(2);
    expect(past.stderr).toMatch(/past\.yaml: pass: conditions nest more than 32 levels deep/);
  });
});
