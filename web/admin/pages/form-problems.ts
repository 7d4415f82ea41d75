// Puts the API's problems on the form fields they name, so an operator sees what to fix where it is.
import type { FormInstance } from "antd";
import { errorText, fieldErrors } from "../../shared/api.ts";

/** Returns a message for problems no field of the form owns (or undefined when every one was placed). */
export function showProblem(
  form: FormInstance,
  failure: unknown,
  formFields: readonly string[],
  /** API field (`benefit.amount_minor`) → form field (`amount_yuan`), where they differ; `condition.*` names
   * every field under `condition` (a whole condition tree edited by one control). */
  aliases: Record<string, string> = {},
): string | undefined {
  const errors = fieldErrors(failure);
  // Only fields on screen can show a message: a union's complaint about a field of another kind is not placed.
  const shown = new Set(Object.keys(form.getFieldsValue() as Record<string, unknown>));
  const visible = formFields.filter((f) => shown.has(f.split(".")[0] ?? f));
  const placed: string[] = [];
  const fields = Object.entries(errors).flatMap(([key, message]) => {
    const top = key.split(".")[0] ?? key;
    const under = aliases[`${top}.*`];
    if (under && visible.includes(under)) {
      placed.push(key);
      return [{ name: [under], errors: [message] }];
    }
    // An alias into a list (`match.2.text`; an item of the value's own list goes there too): the row's field.
    const aliased = aliases[key] ?? aliases[key.replace(/(\.\d+)+$/, "")];
    if (aliased?.includes(".") && visible.includes(aliased.split(".")[0] ?? aliased)) {
      placed.push(key);
      return [{ name: aliased.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p)), errors: [message] }];
    }
    // `definition.factor` or `actions.0.points`: the last part names the form field when the form is flat.
    const last = key.split(".").at(-1) ?? key;
    // `items.0.quantity` in a list of rows: the row's own field (numbers index the list).
    const parts = key.split(".");
    if (visible.includes(top) && parts.some((p) => /^\d+$/.test(p)) && !(key in aliases)) {
      placed.push(key);
      return [{ name: parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p)), errors: [message] }];
    }
    const name =
      aliases[key] ??
      [key, top, last].find((candidate) => visible.includes(candidate)) ??
      (formFields.includes(key) ? key : undefined);
    if (!name || !visible.includes(name)) return [];
    placed.push(key);
    return [{ name: name.split("."), errors: [message] }];
  });
  form.setFields(fields);
  // A union in the schema (a benefit is one of several kinds) lists every alternative's complaint; once one of
  // them sits on a field the operator can see what to fix, and the rest is noise.
  if (placed.length > 0) return undefined;
  return errorText(failure);
}
