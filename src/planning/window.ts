/**
 * A weekly maintenance window in UTC, written as RDS writes them: `sat:02:00-sat:04:00`. A window may wrap
 * around the end of the week (`sun:23:00-mon:01:00`).
 */
import { ConfigError } from "../errors.ts";

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const WEEK = 7 * 1440;

export interface MaintenanceWindow {
  /** As written, normalised to lower case. */
  text: string;
  /** Minutes since Sunday 00:00 UTC. */
  start: number;
  end: number;
}

const PART = /^(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):([0-5]\d)$/;

function minuteOfWeek(part: string, variable: string, whole: string): number {
  const m = PART.exec(part);
  if (!m) {
    throw new ConfigError(
      `${variable}=${JSON.stringify(whole)}: "${part}" is not DAY:HH:MM (day one of ${DAYS.join(", ")}, 24-hour UTC time); expected e.g. sat:02:00-sat:04:00`,
      { variable },
    );
  }
  return DAYS.indexOf(m[1] as (typeof DAYS)[number]) * 1440 + Number(m[2]) * 60 + Number(m[3]);
}

export function parseMaintenanceWindow(
  text: string,
  variable = "ENFORCEAI_MAINTENANCE_WINDOW",
): MaintenanceWindow {
  const normalised = text.trim().toLowerCase();
  const parts = normalised.split("-");
  if (parts.length !== 2) {
    throw new ConfigError(
      `${variable}=${JSON.stringify(text)} is not START-END; expected e.g. sat:02:00-sat:04:00 (UTC)`,
      { variable },
    );
  }
  const start = minuteOfWeek(parts[0]!, variable, text);
  const end = minuteOfWeek(parts[1]!, variable, text);
  if (start === end) {
    throw new ConfigError(
      `${variable}=${JSON.stringify(text)}: the window starts where it ends; give it a length`,
      {
        variable,
      },
    );
  }
  return { text: normalised, start, end };
}

function minuteOf(now: Date): number {
  return now.getUTCDay() * 1440 + now.getUTCHours() * 60 + now.getUTCMinutes();
}

/** Whether `now` falls inside the window (start inclusive, end exclusive). */
export function inWindow(window: MaintenanceWindow, now: Date): boolean {
  const t = minuteOf(now);
  return window.start < window.end
    ? t >= window.start && t < window.end
    : t >= window.start || t < window.end;
}

/** The next moment the window opens at or after `now` (`now` itself when it is open). */
export function nextWindowStart(window: MaintenanceWindow, now: Date): Date {
  if (inWindow(window, now)) return now;
  const t = minuteOf(now);
  const wait = (window.start - t + WEEK) % WEEK;
  const base = new Date(now);
  base.setUTCSeconds(0, 0);
  return new Date(base.getTime() + wait * 60_000);
}
