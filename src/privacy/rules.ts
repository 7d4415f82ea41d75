/** Pure rules of erasure: which values in stored event payloads are personal. No IO. */

/** Keys whose values are personal wherever they appear in a payload (at any depth). */
export const PERSONAL_KEYS: ReadonlySet<string> = new Set([
  "phone",
  "customer_phone",
  "email",
  "name",
  "nickname",
  "recipient",
  "recipient_name",
  "birthday",
  "address",
  "shipping_address",
  "identities",
  "identity_value",
  "card_no",
  "note",
  "text",
  "body",
]);

export const ERASED_VALUE = "[erased]";
/** A shorter former value (an identity like "7") would match unrelated strings; those are replaced only whole. */
const MIN_CONTAINED_LENGTH = 6;

/**
 * Removes personal keys and replaces any string that is or contains a value the member record held (their phone,
 * email, card number, identity values), at any depth. Returns the same object when nothing changed.
 */
export function scrubPayload(
  payload: Record<string, unknown>,
  formerValues: readonly string[],
): { payload: Record<string, unknown>; changed: boolean } {
  const values = formerValues.filter((v) => v.length > 0);
  let changed = false;
  const scrub = (value: unknown): unknown => {
    if (typeof value === "string") {
      const personal = values.some(
        (v) => value === v || (v.length >= MIN_CONTAINED_LENGTH && value.includes(v)),
      );
      if (personal) changed = true;
      return personal ? ERASED_VALUE : value;
    }
    if (Array.isArray(value)) return value.map(scrub);
    if (typeof value === "object" && value !== null) {
      const result: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value)) {
        if (PERSONAL_KEYS.has(key)) {
          changed = true;
          continue;
        }
        result[key] = scrub(inner);
      }
      return result;
    }
    return value;
  };
  const scrubbed = scrub(payload) as Record<string, unknown>;
  return changed ? { payload: scrubbed, changed } : { payload, changed };
}
