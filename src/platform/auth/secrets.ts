import { createHash, randomBytes, randomInt, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

// scrypt is memory-hard (N·r·128 bytes = 64 MiB here) and built into Node: no native addon to break.
const SCRYPT = { N: 2 ** 16, r: 8, p: 1, maxmem: 2 ** 27 } as const;
const SCRYPT_KEY_BYTES = 32;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT_KEY_BYTES, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, "base64url");
  const actual = await scryptAsync(password, Buffer.from(salt, "base64url"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return timingSafeEqual(expected, actual);
}

/** A password that is never a valid hash: compared against when the account does not exist, to keep timing flat. */
export const DUMMY_PASSWORD_HASH =
  "scrypt$65536$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/** Bearer credentials are high-entropy random secrets, so a fast hash is enough to store them. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url");
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

export function newNumericCode(digits = 6): string {
  return String(randomInt(0, 10 ** digits)).padStart(digits, "0");
}

/**
 * Credential strings carry their tenant and row id so a lookup is one primary-key read:
 * `<kind>.<tenant_id>.<credential_id>.<secret>`, kind `ek` (API key), `es` (staff session), `em` (member session).
 */
export type CredentialKind = "ek" | "es" | "em";

export interface ParsedCredential {
  kind: CredentialKind;
  tenantId: string;
  id: string;
  secret: string;
}

export function formatCredential(kind: CredentialKind, tenantId: string, id: string, secret: string): string {
  return `${kind}.${tenantId}.${id}.${secret}`;
}

export function parseCredential(token: string): ParsedCredential | undefined {
  const parts = token.split(".");
  if (parts.length !== 4) return undefined;
  const [kind, tenantId, id, secret] = parts as [string, string, string, string];
  if (kind !== "ek" && kind !== "es" && kind !== "em") return undefined;
  if (!tenantId || !id || secret.length < 20 || token.length > 300) return undefined;
  return { kind, tenantId, id, secret };
}
