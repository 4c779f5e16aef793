import { withContentHash } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";

/**
 * Grows a real inventory (the bundled sample) to `size` items by cloning it into more accounts: every clone
 * keeps the realistic shapes of all seven services, and account-level records grow with the accounts, as
 * they do in a real organisation.
 */
export function syntheticInventory(seed: readonly ConfigurationItem[], size: number): ConfigurationItem[] {
  const out: ConfigurationItem[] = [];
  const baseAccount = seed[0]?.accountId ?? "123456789012";
  for (let copy = 0; out.length < size; copy++) {
    const account = String(100000000000 + copy);
    for (const item of seed) {
      if (out.length >= size) break;
      const text = JSON.stringify(item).replaceAll(baseAccount, account);
      const clone = JSON.parse(text) as ConfigurationItem;
      out.push(withContentHash(clone));
    }
  }
  return out;
}
