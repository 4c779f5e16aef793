/** Sign in with an API key; the key and its role stay in sessionStorage (this tab only). */
import { ApiError, detectRole, session } from "../api.js";
import { h, replace } from "../dom.js";
import { busy, describeError, field } from "../ui.js";

export function signInView(container, { reason, onSignedIn }) {
  const input = h("input", {
    type: "password",
    name: "key",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    class: "input",
  });
  const message = h("div", { class: "form-message", "aria-live": "assertive" });
  const submit = h("button", { type: "submit", class: "button button-primary" }, "Sign in");
  const form = h(
    "form",
    {
      class: "signin-form",
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const key = input.value.trim();
        message.replaceChildren();
        if (!key) {
          input.setAttribute("aria-invalid", "true");
          replace(message, h("p", { class: "state state-error", role: "alert" }, "Enter your API key."));
          input.focus();
          return;
        }
        await busy(submit, async () => {
          try {
            const role = await detectRole(key);
            session.set(key, role);
            input.value = "";
            onSignedIn();
          } catch (error) {
            input.setAttribute("aria-invalid", "true");
            const text =
              error instanceof ApiError && error.status === 401
                ? "This API key is not valid (unknown or revoked)."
                : describeError(error);
            replace(message, h("p", { class: "state state-error", role: "alert" }, text));
            input.focus();
          }
        });
      },
    },
    field(
      "API key",
      input,
      "Create one with `enforceai keys create --role viewer` (or operator, approver, admin). It is kept for this browser tab only.",
    ),
    submit,
    message,
  );
  replace(
    container,
    h(
      "div",
      { class: "signin" },
      h("h1", { id: "page-title", tabindex: "-1" }, "Sign in to EnforceAI"),
      reason ? h("p", { class: "state state-info", role: "status" }, reason) : null,
      h(
        "p",
        {},
        "Compliance posture, findings and remediation approvals for your AWS accounts. What you can do depends on your key's role: viewers read, operators start scans and suppress findings, approvers decide remediations.",
      ),
      form,
    ),
  );
  return undefined;
}
