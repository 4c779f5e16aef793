import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { chunkDocument } from "../../src/knowledge/chunker.ts";
import { isControlId, parseControlHeading } from "../../src/knowledge/control-ids.ts";
import { loadDocument } from "../../src/knowledge/loaders.ts";
import { normalizeText } from "../../src/knowledge/normalize.ts";
import { DOCUMENTS_DIR } from "../../src/paths.ts";

const md = (text: string) => ({ format: "markdown" as const, pages: [{ text }] });

describe("control ids", () => {
  it.each([
    ["A.5.1 Policies for information security", ["A.5.1"], "Policies for information security"],
    ["A.8.24 Use of cryptography", ["A.8.24"], "Use of cryptography"],
    ["AC-2 Account Management", ["AC-2"], "Account Management"],
    ["AC-2(1) Automated system account management", ["AC-2(1)"], "Automated system account management"],
    ["1.2.3 Network rules are reviewed", ["1.2.3"], "Network rules are reviewed"],
    ["1.10 Console users have MFA", ["1.10"], "Console users have MFA"],
    ["Art. 32 Security of processing", ["Art. 32"], "Security of processing"],
    ["Article 32(1) Security of processing", ["Art. 32(1)"], "Security of processing"],
    ["CC6.1 Logical access security", ["CC6.1"], "Logical access security"],
    ["164.312(a)(1) Access control", ["164.312(a)(1)"], "Access control"],
    ["164.308(a)(1)(ii)(A) Risk analysis", ["164.308(a)(1)(ii)(A)"], "Risk analysis"],
    ["REQ-12 Passwords are hashed", ["REQ-12"], "Passwords are hashed"],
    ["Requirement 8.3.1: Strong authentication", ["8.3.1"], "Strong authentication"],
    ["3.4.1, 3.5.1 PAN is protected", ["3.4.1", "3.5.1"], "PAN is protected"],
  ])("parses %s", (heading, ids, title) => {
    expect(parseControlHeading(heading)).toEqual({ ids, title });
  });

  it.each([
    "CIS AWS Foundations Benchmark v3.0.0",
    "1.2 million records were exposed in the breach, the report says.",
    "HIPAA Security Rule",
    "2024 annual review",
  ])("does not take %s for a control line", (line) => {
    expect(parseControlHeading(line, { strict: true })).toBeNull();
  });

  it("recognises bare ids", () => {
    expect(isControlId("AC-2")).toBe(true);
    expect(isControlId("164.312(a)(2)(iv)")).toBe(true);
    expect(isControlId("hello")).toBe(false);
  });
});

describe("chunker", () => {
  it("makes one chunk per control section, with the heading path and the control id", () => {
    const chunks = chunkDocument(
      md(
        "# Policy\n\nIntro text.\n\n## 1 Access\n\n### 1.1 Root user\n\nDo not use root.\n\n### 1.2 MFA\n\nUse MFA.\n\n## 2 Logging\n\nGeneral logging text.",
      ),
    );
    expect(chunks.map((c) => [c.controlId, c.section])).toEqual([
      [null, "Policy"],
      ["1.1", "Policy > 1 Access > 1.1 Root user"],
      ["1.2", "Policy > 1 Access > 1.2 MFA"],
      [null, "Policy > 2 Logging"],
    ]);
    expect(chunks[1]!.text).toBe("### 1.1 Root user\n\nDo not use root.");
    expect(chunks.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    expect(chunks[1]!.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("keeps the ids of enclosing controls in controlIds", () => {
    const chunks = chunkDocument(
      md(
        "## AC-2 Account management\n\nAccounts are managed.\n\n### AC-2(1) Automated management\n\nTools do it.",
      ),
    );
    expect(chunks.map((c) => [c.controlId, c.controlIds])).toEqual([
      ["AC-2", ["AC-2"]],
      ["AC-2(1)", ["AC-2(1)", "AC-2"]],
    ]);
  });

  it("never separates a control id from its text: every piece of a long section starts with the heading", () => {
    const sentences = Array.from(
      { length: 120 },
      (_, i) => `Sentence ${i} says that access keys are rotated and reviewed by the owner.`,
    );
    const text = `## 8.3.1 Strong authentication\n\n${sentences.slice(0, 60).join(" ")}\n\n${sentences.slice(60).join(" ")}`;
    const chunks = chunkDocument(md(text), { maxChars: 800, overlapChars: 150 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) {
      expect(c.text.startsWith("## 8.3.1 Strong authentication\n\n")).toBe(true);
      expect(c.controlId).toBe("8.3.1");
      expect(c.text.length).toBeLessThanOrEqual(800);
    }
    // every sentence survives, and consecutive pieces overlap
    const all = chunks.map((c) => c.text).join(" ");
    for (const s of sentences) expect(all).toContain(s);
    for (let i = 1; i < chunks.length; i++) {
      const previousTail = chunks[i - 1]!.text.slice(-60);
      expect(chunks[i]!.text).toContain(previousTail.slice(previousTail.indexOf(" ") + 1));
    }
  });

  it("respects the size limit even for a paragraph without sentence breaks and a very long word", () => {
    const text = `## 1.1 Long\n\n${"word ".repeat(2000)}${"x".repeat(3000)}`;
    const chunks = chunkDocument(md(text), { maxChars: 500, overlapChars: 50 });
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(500);
    expect(chunks.every((c) => c.controlId === "1.1")).toBe(true);
  });

  it("finds control lines in plain text and PDF text, including an id on its own line", () => {
    const chunks = chunkDocument({
      format: "pdf",
      pages: [
        {
          page: 1,
          text: "Acme Security Standard\nA.5.1 Policies for information security\nPolicies are approved.",
        },
        { page: 2, text: "A.8.24\nUse of cryptography\nKeys are managed.\n1.2 million users rely on us." },
      ],
    });
    expect(chunks.map((c) => [c.controlId, c.page])).toEqual([
      [null, 1],
      ["A.5.1", 1],
      ["A.8.24", 2],
    ]);
    expect(chunks[2]!.text).toContain("1.2 million users rely on us.");
    expect(chunks[2]!.text.startsWith("A.8.24 Use of cryptography")).toBe(true);
  });

  it("ignores headings inside code fences", () => {
    const chunks = chunkDocument(md("## 1.1 Real\n\nText.\n\n```\n## 9.9 Not a heading\n```\n"));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.text).toContain("## 9.9 Not a heading");
  });

  it("chunks every bundled document so that each control heading becomes chunks of that control", async () => {
    const file = `${DOCUMENTS_DIR}/cis-aws-3.0.md`;
    const doc = await loadDocument(readFileSync(file), { source: "cis-aws-3.0.md" });
    const chunks = chunkDocument({
      format: doc.format,
      pages: [{ text: normalizeText(doc.pages[0]!.text) }],
    });
    const headings = [...doc.pages[0]!.text.matchAll(/^## (\S+) /gm)].map((m) => m[1]);
    expect(new Set(chunks.map((c) => c.controlId).filter(Boolean))).toEqual(new Set(headings));
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(2000);
  });
});
