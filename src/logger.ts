import pino, { type Logger } from "pino";
import type { Config } from "./config/index.ts";

export type { Logger };

/** Paths whose values never reach a log line, whatever the caller passes in. */
export const REDACTED_PATHS = [
  "password",
  "*.password",
  "secret",
  "*.secret",
  "token",
  "*.token",
  "apiKey",
  "*.apiKey",
  "key",
  "*.key",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "credentials",
  "*.credentials",
  "secretAccessKey",
  "*.secretAccessKey",
  "sessionToken",
  "*.sessionToken",
  "databaseUrl",
  "*.databaseUrl",
  "redisUrl",
  "*.redisUrl",
];

export interface LoggerOptions {
  level: Config["log"]["level"];
  format: Config["log"]["format"];
  /** Where lines go; defaults to stderr so that stdout stays clean for `--format json`. */
  destination?: pino.DestinationStream;
}

/** The one logger factory: JSON in production, pretty on a terminal, secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  const base: pino.LoggerOptions = {
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    base: { service: "enforceai" },
  };
  if (options.destination) return pino(base, options.destination);
  if (options.format === "pretty") {
    return pino({
      ...base,
      transport: {
        target: "pino-pretty",
        options: { destination: 2, colorize: true, ignore: "pid,hostname,service" },
      },
    });
  }
  return pino(base, pino.destination(2));
}
