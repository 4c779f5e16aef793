/**
 * Server-sent events: `text/event-stream`, one `event:` name and one JSON `data:` line per event, with ids so a
 * reconnecting client can send `Last-Event-ID`. A comment line every few seconds keeps proxies from closing an
 * idle stream.
 */
import type { Request, Response } from "express";

export interface SseStream {
  send(event: string, data: unknown, id?: string | number): void;
  comment(text: string): void;
  close(): void;
  /** Resolves when the client goes away or the stream is closed. */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
}

export function openSse(
  req: Request,
  res: Response,
  options: { heartbeatMs?: number; onClose?: () => void } = {},
): SseStream {
  res.status(200);
  res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Connection", "keep-alive");
  res.setHeader("X-Accel-Buffering", "no");
  res.flushHeaders();
  res.write("retry: 3000\n\n");
  let closed = false;
  let resolveClosed!: () => void;
  const closedPromise = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const heartbeat = setInterval(() => {
    if (!closed) res.write(": keep-alive\n\n");
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref();
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    options.onClose?.();
    resolveClosed();
  };
  req.on("close", finish);
  res.on("close", finish);
  return {
    send(event, data, id) {
      if (closed) return;
      let frame = "";
      if (id !== undefined) frame += `id: ${id}\n`;
      frame += `event: ${event}\n`;
      // JSON never contains a raw newline, so one data line per event is enough.
      frame += `data: ${JSON.stringify(data)}\n\n`;
      res.write(frame);
    },
    comment(text) {
      if (!closed) res.write(`: ${text.replace(/\n/g, " ")}\n\n`);
    },
    close() {
      if (closed) return;
      res.end();
      finish();
    },
    closed: closedPromise,
    get isClosed() {
      return closed;
    },
  };
}

/** Parses a text/event-stream body into events (for tests and for the CLI). */
export function parseSse(text: string): { event: string; data: unknown; id?: string }[] {
  const events: { event: string; data: unknown; id?: string }[] = [];
  for (const block of text.split(/\n\n/)) {
    let event = "message";
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":") || line === "") continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
      else if (field === "id") id = value;
    }
    if (data.length === 0) continue;
    const raw = data.join("\n");
    let parsed: unknown = raw;
    try {
      parsed = JSON.parse(raw);
    } catch {
      /* keep the text */
    }
    events.push({ event, data: parsed, ...(id !== undefined ? { id } : {}) });
  }
  return events;
}
