/**
 * Options that take one of a fixed set of values. Commander's `.choices()` declares the set (it shows in
 * `--help`); the parser keeps our one-line usage message (exit 2) instead of commander's error and help hint.
 */
import { Option } from "commander";
import { UsageError } from "../errors.ts";

export function choiceOption<T extends string>(
  flags: string,
  description: string,
  values: readonly T[],
  invalid: (value: string) => string,
  normalise: (value: string) => string = (value) => value,
): Option {
  return new Option(flags, description).choices(values).argParser((value: string) => {
    const v = normalise(value);
    if (!(values as readonly string[]).includes(v)) throw new UsageError(invalid(value));
    return v as T;
  });
}

/** A comma-separated list of choices (`--status pending,approved`), each checked. */
export function choiceListOption<T extends string>(
  flags: string,
  description: string,
  values: readonly T[],
  invalid: (value: string) => string,
): Option {
  return new Option(flags, description).choices(values).argParser((value: string) => {
    const list = value.split(",").map((s) => s.trim());
    for (const v of list) if (!(values as readonly string[]).includes(v)) throw new UsageError(invalid(v));
    return list as T[];
  });
}
