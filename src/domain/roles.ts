/** Roles are ordered viewer < operator < approver < admin; every route and tool states the least it needs. */
export const ROLES = ["viewer", "operator", "approver", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** Who is acting: an API key's holder, or the CLI user. */
export interface Principal {
  keyId: string;
  role: Role;
  name: string | null;
  /**
   * What the API records as the actor: the key's name when it has one, else `key:<id>`; always normalised
   * (`normalizeIdentity` in src/domain/identity.ts).
   */
  identity: string;
  /** Every identity this caller answers to (four eyes: none of them may approve its own request; compare with `sameIdentity`). */
  identities: string[];
}
