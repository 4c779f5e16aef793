import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.ts";
import { identityIn, keyHolderIdentity, normalizeIdentity, sameIdentity } from "../../src/domain/identity.ts";

describe("identities", () => {
  it("are one person across case, width, spacing, ligatures and invisible characters", () => {
    for (const spelling of [
      "alice",
      "Alice",
      " alice ",
      "ALICE",
      "ａｌｉｃｅ",
      "ali\u200bce",
      "A\u00adlice",
    ]) {
      expect(normalizeIdentity(spelling)).toBe("alice");
    }
    expect(normalizeIdentity("  Mary   Ann ")).toBe("mary ann");
    expect(sameIdentity("Straße", "STRASSE")).toBe(true);
    expect(sameIdentity("ﬁona", "FIONA")).toBe(true);
    expect(sameIdentity("ΣΑΣ", "σας")).toBe(true);
    expect(sameIdentity("alice", "alicia")).toBe(false);
    expect(identityIn("Bob ", ["carol", "BOB"])).toBe(true);
    expect(identityIn("bob", ["carol"])).toBe(false);
  });

  it("refuses key names that are empty or look like a key id", () => {
    expect(keyHolderIdentity(" Ops Team ")).toBe("ops team");
    expect(() => keyHolderIdentity("\u200b")).toThrow(/empty/);
    expect(() => keyHolderIdentity("Key:123")).toThrow(/may not start with "key:"/);
  });

  it("ENFORCEAI_USER and ENFORCEAI_APPROVERS are normalised where they are read", () => {
    const config = loadConfig({
      ENFORCEAI_HOME: "/tmp/x",
      ENFORCEAI_USER: " Alice ",
      ENFORCEAI_APPROVERS: "ＢＯＢ, carol ,Bob,\u200b",
    });
    expect(config.user).toBe("alice");
    expect(config.remediation.approvers).toEqual(["bob", "carol"]);
    expect(() => loadConfig({ ENFORCEAI_USER: "\u200b\u200b" })).toThrow(/ENFORCEAI_USER=.* is empty/);
  });
});
