/**
 * Custom checks managed through the API. A policy is validated exactly like a built-in check file: the same
 * depth limits and schema (`checkFromDocument`, which `parseCheck` runs for files) and the same compiler with
 * the app's settings and evaluators (`compileCheck`); its id may not clash with a built-in check; the framework
 * controls it serves must exist. Stored policies join the engine's catalog for the next scan
 * (`knowledgeWithPolicies`).
 */

import type { FrameworkRef } from "../domain/types.ts";
import type { Catalog } from "../engine/catalog.ts";
import type { Check } from "../engine/check-schema.ts";
import { type CompiledCheck, checkFromDocument, compileCheck } from "../engine/checks.ts";
import { builtinEvaluators } from "../engine/evaluators/index.ts";
import type { Framework } from "../engine/frameworks.ts";
import { withoutSource } from "../engine/stored-policies.ts";
import {
  ConflictError,
  errorMessage,
  type FieldError,
  invalidFields,
  issuesToErrors,
  NotFoundError,
  ValidationError,
} from "../errors.ts";
import type { Repositories } from "../store/index.ts";
import { type PolicyRepository, policySourceName, type StoredPolicy } from "../store/policies.ts";
import type { Runtime } from "./runtime.ts";

export interface PolicyInput {
  check: unknown;
  controls: FrameworkRef[];
}

/** Validates one check definition like a check file; field errors point into `body.check`. */
export function validateCheck(
  definition: unknown,
  catalog: Catalog,
  sourceName: string,
): { check: Check; compiled: CompiledCheck } {
  let check: Check;
  try {
    // The parsed JSON itself, not a text round trip: stringifying first would overflow on a deeply nested
    // definition before the depth limit could refuse it.
    check = checkFromDocument(sourceName, definition ?? null, "custom");
  } catch (error) {
    if (error instanceof ValidationError) {
      const issues = error.details?.issues as Parameters<typeof issuesToErrors>[0] | undefined;
      const errors: FieldError[] = issues
        ? issuesToErrors(issues, "body.check")
        : [{ path: "body.check", message: error.message }];
      throw invalidFields(errors);
    }
    throw error;
  }
  try {
    return {
      check,
      compiled: compileCheck(check, { settings: catalog.settings, evaluators: builtinEvaluators() }),
    };
  } catch (error) {
    // Whatever the compiler refuses is the check's fault: a user's bad JMESPath expression, for one, escapes
    // the compiler as a raw parser error (not a ValidationError) from quantifiers.
    const raw = errorMessage(error);
    const message = raw.startsWith(`${sourceName}: `) ? raw.slice(sourceName.length + 2) : raw;
    throw invalidFields([{ path: "body.check", message: `does not compile: ${message.split("\n")[0]}` }]);
  }
}

function validateControls(controls: readonly FrameworkRef[], frameworks: readonly Framework[]): void {
  const errors: FieldError[] = [];
  controls.forEach((ref, i) => {
    const f = frameworks.find((x) => x.id === ref.framework);
    if (!f) {
      errors.push({
        path: `body.controls.${i}.framework`,
        message: `unknown framework "${ref.framework}"; known: ${frameworks.map((x) => x.id).join(", ")}`,
      });
    } else if (!f.controls.some((c) => c.id === ref.controlId)) {
      errors.push({
        path: `body.controls.${i}.controlId`,
        message: `framework ${ref.framework} has no control "${ref.controlId}"`,
      });
    }
  });
  if (errors.length > 0) throw invalidFields(errors);
}

export class PolicyService {
  private readonly repo: PolicyRepository;

  constructor(private readonly app: Runtime) {
    this.repo = app.store.policies;
  }

  list(): Promise<StoredPolicy[]> {
    return this.repo.list();
  }

  async get(id: string): Promise<StoredPolicy | undefined> {
    return this.repo.find(id);
  }

  async create(input: PolicyInput, by: string): Promise<StoredPolicy> {
    const current = await this.app.catalog();
    const id =
      typeof (input.check as { id?: unknown })?.id === "string" ? (input.check as { id: string }).id : "new";
    const { check } = validateCheck(input.check, current, policySourceName(id));
    if ((await this.app.fileCatalog()).checks.some((c) => c.check.id === check.id)) {
      throw new ConflictError(`"${check.id}" is a built-in (or file-defined) check; choose another id`);
    }
    validateControls(input.controls, current.frameworks);
    const created = await this.app.store.transaction(async (tx) => {
      const stored = await tx.policies.create(withoutSource(check), input.controls, by, this.app.clock());
      await audit(tx, by, "policy.created", check.id, { controls: input.controls });
      return stored;
    });
    this.app.catalogChanged();
    return created;
  }

  async update(id: string, input: PolicyInput, by: string): Promise<StoredPolicy> {
    const current = await this.app.catalog();
    if (!(await this.repo.find(id))) throw new NotFoundError(`no custom policy "${id}"`);
    const { check } = validateCheck(input.check, current, policySourceName(id));
    if (check.id !== id) {
      throw invalidFields([
        { path: "body.check.id", message: `must stay "${id}" (the id names the policy)` },
      ]);
    }
    validateControls(input.controls, current.frameworks);
    const updated = await this.app.store.transaction(async (tx) => {
      const stored = await tx.policies.update(id, withoutSource(check), input.controls, by, this.app.clock());
      await audit(tx, by, "policy.updated", id, { controls: input.controls });
      return stored;
    });
    this.app.catalogChanged();
    return updated;
  }

  async delete(id: string, by: string): Promise<void> {
    await this.app.store.transaction(async (tx) => {
      await tx.policies.delete(id);
      await audit(tx, by, "policy.deleted", id, {});
    });
    this.app.catalogChanged();
  }
}

/** Written in the same transaction as the policy change it records: both commit, or neither does. */
function audit(
  tx: Repositories,
  actor: string,
  action: string,
  id: string,
  details: Record<string, unknown>,
) {
  return tx.audit.append({ actor, action, subjectType: "policy", subjectId: id, details });
}
