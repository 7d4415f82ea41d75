// Puts the API's problems on the form fields they name, so an operator sees what to fix where it is.
import type { FormInstance } from "antd";
import { errorText, fieldErrors } from "../../shared/api.ts";

/** Returns a message for problems no field of the form owns (or undefined when every one was placed). */
export function showProblem(
  form: FormInstance,
  failure: unknown,
  formFields: readonly string[],
  /** API field (`benefit.amount_minor`) → form field (`amount_yuan`), where they differ. */
  aliases: Record<string, string> = {},
): string | undefined {
  const errors = fieldErrors(failure);
  const placed: string[] = [];
  const fields = Object.entries(errors).flatMap(([key, message]) => {
    const top = key.split(".")[0] ?? key;
    const name =
      aliases[key] ?? (formFields.includes(key) ? key : formFields.includes(top) ? top : undefined);
    if (!name) return [];
    placed.push(key);
    return [{ name: name.split("."), errors: [message] }];
  });
  form.setFields(fields);
  // A union in the schema (a benefit is one of several kinds) lists every alternative's complaint; once one of
  // them sits on a field the operator can see what to fix, and the rest is noise.
  if (placed.length > 0) return undefined;
  return errorText(failure);
}
