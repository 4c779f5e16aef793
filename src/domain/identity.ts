/**
 * Who a person is, for four eyes and the audit trail. Key names, ENFORCEAI_USER, ENFORCEAI_APPROVERS, requesters
 * and deciders are all compared through `normalizeIdentity`, so that `Alice`, `alice ` and `ａｌｉｃｅ` (full-width)
 * are one person: one who cannot approve her own request nor count twice towards two approvers.
 */
import { ValidationError } from "../errors.ts";

/** The prefix of the identity of a key without a name (`key:<id>`); no name may take it. */
export const KEY_IDENTITY_PREFIX = "key:";

/**
 * Unicode NFKC (compatibility forms: full-width letters, ligatures), without invisible code points (zero-width
 * spaces and joiners), case-folded (upper then lower case, so `ß` and `SS` meet; final sigma as sigma), trimmed,
 * inner runs of white space as one space.
 */
export function normalizeIdentity(name: string): string {
  return name
    .normalize("NFKC")
    .replace(/\p{Default_Ignorable_Code_Point}/gu, "")
    .toUpperCase()
    .toLowerCase()
    .replace(/ς/gu, "σ")
    .normalize("NFKC")
    .trim()
    .replace(/\s+/gu, " ");
}

/** Whether two identities name the same person. */
export function sameIdentity(a: string, b: string): boolean {
  return normalizeIdentity(a) === normalizeIdentity(b);
}

/** Whether `identity` is among `list` (e.g. ENFORCEAI_APPROVERS). */
export function identityIn(identity: string, list: readonly string[]): boolean {
  const wanted = normalizeIdentity(identity);
  return list.some((entry) => normalizeIdentity(entry) === wanted);
}

/** The identity a key name gives its holder; refuses a name that normalises to nothing or to a key id. */
export function keyHolderIdentity(name: string): string {
  const identity = normalizeIdentity(name);
  if (identity === "")
    throw new ValidationError("the key name is empty once spaces and invisible characters go");
  if (identity.startsWith(KEY_IDENTITY_PREFIX)) {
    throw new ValidationError(
      `a key name may not start with "${KEY_IDENTITY_PREFIX}": that is how keys without a name are identified`,
    );
  }
  if (identity.length > 100) throw new ValidationError("the key name is longer than 100 characters");
  return identity;
}
