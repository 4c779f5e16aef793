import { UsageMeter } from "../../src/llm/usage.ts";
import type { Store } from "../../src/store/index.ts";

/** The scan's meter, continuing from what is stored (a resumed scan keeps counting where it stopped). */
export async function meterFor(store: Store, scanId: string, mode: string): Promise<UsageMeter> {
  const scan = await store.scans.get(scanId);
  return new UsageMeter(mode, "mode" in scan.llm ? scan.llm : undefined);
}

export async function saveMeter(store: Store, scanId: string, meter: UsageMeter): Promise<void> {
  await store.scans.update(scanId, { llm: meter.toJSON() });
}
