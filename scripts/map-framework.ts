/**
 * Maps framework controls to checks in place, keeping the file's comments and layout.
 *
 *   npx tsx scripts/map-framework.ts knowledge/frameworks/aws-fsbp-1.0.yaml map.json [--replace] [--dry-run]
 *
 * The map (JSON or YAML) is `{ "<controlId>": ["<checkId>", ...] }`. Each named control gets `checks: [...]`,
 * loses `manual`/`manualReason`, and loses a `# pending: <service>` comment on its id. A control that already has
 * checks keeps them and gains the new ones, unless --replace is given. Unknown control ids and check ids that no
 * file under knowledge/checks defines are errors; nothing is written then. Only the lines of the mapped controls
 * change: the edits are spliced into the original text, the rest of the file stays byte for byte.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isMap, isScalar, isSeq, parse, parseDocument, type Scalar, type YAMLMap } from "yaml";
import { PACKAGE_ROOT } from "../src/paths.ts";

const LINE_WIDTH = 116;

function usage(message: string): never {
  console.error(`map-framework: ${message}`);
  console.error(
    "usage: npx tsx scripts/map-framework.ts <framework.yaml> <map.json|map.yaml> [--replace] [--dry-run]",
  );
  process.exit(2);
}

function knownCheckIds(dir: string): Set<string> {
  const ids = new Set<string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(entry.name)) {
        const raw = parse(readFileSync(p, "utf8")) as { id?: unknown } | null;
        if (raw && typeof raw.id === "string") ids.add(raw.id);
      }
    }
  };
  walk(dir);
  return ids;
}

function readMap(file: string): Map<string, string[]> {
  const raw = parse(readFileSync(file, "utf8")) as unknown;
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    usage(`${file}: expected an object {controlId: [checkIds]}`);
  const map = new Map<string, string[]>();
  for (const [controlId, checks] of Object.entries(raw as Record<string, unknown>)) {
    const list = typeof checks === "string" ? [checks] : checks;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((c) => typeof c === "string" && c.length > 0)
    ) {
      usage(`${file}: "${controlId}" must map to a non-empty list of check ids`);
    }
    map.set(controlId, list as string[]);
  }
  return map;
}

function main(): void {
  const args = process.argv.slice(2);
  const flags = new Set(args.filter((a) => a.startsWith("--")));
  const [frameworkFile, mapFile] = args.filter((a) => !a.startsWith("--"));
  for (const f of flags) if (f !== "--replace" && f !== "--dry-run") usage(`unknown option ${f}`);
  if (!frameworkFile || !mapFile) usage("needs a framework file and a map file");

  const text = readFileSync(frameworkFile, "utf8");
  const doc = parseDocument(text);
  if (doc.errors.length > 0) usage(`${frameworkFile}: ${doc.errors[0]!.message}`);
  const controls = doc.get("controls");
  if (!isSeq(controls)) usage(`${frameworkFile}: no controls list`);

  const wanted = readMap(mapFile);
  const known = knownCheckIds(path.join(PACKAGE_ROOT, "knowledge", "checks"));
  const problems: string[] = [];
  for (const [controlId, checks] of wanted) {
    for (const c of checks) if (!known.has(c)) problems.push(`control "${controlId}": unknown check "${c}"`);
  }

  const byId = new Map<string, YAMLMap>();
  for (const item of controls.items) {
    if (!isMap(item)) continue;
    const id = item.get("id");
    if (typeof id === "string") byId.set(id, item);
  }
  for (const controlId of wanted.keys()) {
    if (!byId.has(controlId)) problems.push(`control "${controlId}" is not in ${frameworkFile}`);
  }
  if (problems.length > 0) {
    console.error(problems.map((p) => `map-framework: ${p}`).join("\n"));
    process.exit(1);
  }

  // Edits are spliced into the original text, so every line this script does not touch stays byte for byte.
  const edits: { start: number; end: number; text: string }[] = [];
  for (const [controlId, checks] of wanted) {
    const control = byId.get(controlId)!;
    const existing = flags.has("--replace") ? [] : ((control.toJSON() as { checks?: string[] }).checks ?? []);
    const merged = [...new Set([...existing, ...checks])];
    const pairs = control.items;
    const span = (key: string) => {
      const i = pairs.findIndex((p) => isScalar(p.key) && p.key.value === key);
      if (i === -1) return undefined;
      const pair = pairs[i]!;
      const keyStart = (pair.key as Scalar).range![0];
      const next = pairs[i + 1];
      const value = pair.value as { range?: [number, number, number] } | null;
      const valueEnd = value?.range ? Math.max(value.range[0], value.range[1] - 1) : keyStart;
      return {
        start: lineStart(text, keyStart),
        end: next ? lineStart(text, (next.key as Scalar).range![0]) : lineEnd(text, valueEnd),
        indent: keyStart - lineStart(text, keyStart),
      };
    };
    const target = span("checks") ?? span("manual");
    if (!target) {
      problems.push(`control "${controlId}" has neither checks nor manual`);
      continue;
    }
    const pad = " ".repeat(target.indent);
    const flow = `${pad}checks: [${merged.join(", ")}]`;
    const checksText =
      flow.length <= LINE_WIDTH
        ? `${flow}\n`
        : `${pad}checks:\n${merged.map((c) => `${pad}  - ${c}\n`).join("")}`;
    edits.push({ start: target.start, end: target.end, text: checksText });
    for (const key of ["manual", "manualReason"]) {
      const s = span(key);
      if (s && s.start !== target.start) edits.push({ start: s.start, end: s.end, text: "" });
    }
    const idValue = pairs.find((p) => isScalar(p.key) && p.key.value === "id")?.value as Scalar | undefined;
    if (idValue?.range) {
      const from = idValue.range[1];
      const to = lineEnd(text, from) - 1;
      const rest = text.slice(from, to);
      const cleaned = rest.replace(/\s*#\s*pending:.*$/, "");
      if (cleaned !== rest) edits.push({ start: from, end: to, text: cleaned });
    }
    console.error(`${controlId}: checks [${merged.join(", ")}]`);
  }
  if (problems.length > 0) {
    console.error(problems.map((p) => `map-framework: ${p}`).join("\n"));
    process.exit(1);
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  const check = parseDocument(out);
  if (check.errors.length > 0) {
    console.error(
      `map-framework: the rewritten file does not parse (${check.errors[0]!.message}); nothing written`,
    );
    process.exit(1);
  }
  if (flags.has("--dry-run")) process.stdout.write(out);
  else writeFileSync(frameworkFile, out);
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf("\n", pos - 1) + 1;
}

function lineEnd(text: string, pos: number): number {
  const i = text.indexOf("\n", pos);
  return i === -1 ? text.length : i + 1;
}

main();
