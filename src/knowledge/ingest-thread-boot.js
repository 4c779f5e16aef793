// The ingest thread's entry. A worker thread does not inherit the tsx loader the main thread registered (see
// bin/enforceai.js), so it registers its own before it loads the TypeScript sources.
import { register } from "tsx/esm/api";

register();
await import("./ingest-thread-worker.ts");
