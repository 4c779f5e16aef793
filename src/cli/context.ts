import { type App, createApp } from "../app.ts";
import { type Config, loadConfig } from "../config/index.ts";
import { createLogger } from "../logger.ts";
import type { Io } from "./output.ts";

export interface GlobalOptions {
  verbose?: boolean;
}

/** Loads configuration and opens the app for one command; the CLI logs only warnings unless --verbose. */
export async function openApp(io: Io, globals: GlobalOptions): Promise<App> {
  const config: Config = loadConfig(io.env, { isTTY: !!io.stderr.isTTY });
  const level = globals.verbose ? "debug" : io.env.ENFORCEAI_LOG_LEVEL ? config.log.level : "warn";
  const logger = createLogger({ level, format: config.log.format });
  return createApp(config, { logger });
}

/** Runs `fn` with an open app and always closes it (the embedded database lock is released). */
export async function withApp<T>(io: Io, globals: GlobalOptions, fn: (app: App) => Promise<T>): Promise<T> {
  const app = await openApp(io, globals);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
