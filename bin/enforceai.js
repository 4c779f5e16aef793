#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader: one code base, no build step to forget.
import { register } from "tsx/esm/api";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv);
