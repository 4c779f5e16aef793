/**
 * Writes docs/iam/enforceai-scan-policy.json from the collectors' declared calls.
 *
 *   npm run iam:policy
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { PACKAGE_ROOT } from "../src/paths.ts";
import { COLLECTORS } from "../tools/aws/discover.ts";
import { scanPolicyText } from "../tools/aws/scan-policy.ts";

const file = path.join(PACKAGE_ROOT, "docs/iam/enforceai-scan-policy.json");
writeFileSync(file, scanPolicyText(Object.values(COLLECTORS)));
console.log(`wrote ${path.relative(process.cwd(), file)}`);
