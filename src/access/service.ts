import { getOrgUnit } from "../org/service.ts";
import type { Principal } from "../platform/auth/principal.ts";
import {
  DUMMY_PASSWORD_HASH,
  formatCredential,
  hashPassword,
  hashSecret,
  newNumericCode,
  newSecret,
  parseCredential,
  secretMatches,
  verifyPassword,
} from "../platform/auth/secrets.ts";
import type { Db, Executor } from "../platform/db/database.ts";
import { TtlCache } from "../platform/cache.ts";
import { Problem } from "../platform/http/problems.ts";
import { newId } from "../platform/ids.ts";
import type { Role } from "../platform/tables.ts";

export const STAFF_SESSION_TTL_MS = 12 * 3_600_000;
export const MEMBER_SESSION_TTL_MS = 30 * 24 * 3_600_000;
export const OTP_TTL_MS = 5 * 60_000;
export const OTP_MAX_ATTEMPTS = 5;
/** last_used_at is a hint for operators, written at most this often per key to keep reads cheap. */
const LAST_USED_RESOLUTION_MS = 60_000;
export const MIN_PASSWORD_LENGTH = 10;

// ——— authentication ———

/**
 * API keys authenticate every server-to-server request; their rows are cached for a few seconds. Revoking in this
 * process takes effect at once; other processes stop accepting the key within the TTL.
 */
const API_KEY_CACHE_TTL_MS = 5_000;
const apiKeys = new TtlCache<
  | {
      api_key_id: string;
      scope: "read" | "write";
      secret_hash: string;
      revoked_at: Date | null;
      last_used_at: Date | null;
    }
  | undefined
>({ ttl_ms: API_KEY_CACHE_TTL_MS, max_entries: 10_000 });

/** Resolves a bearer token to its principal, or undefined when it is unknown, expired or revoked. */
export async function authenticate(db: Db, token: string, now: Date): Promise<Principal | undefined> {
  const credential = parseCredential(token);
  if (!credential) return undefined;
  if (credential.kind === "ek") {
    const cacheKey = `${credential.tenantId}/${credential.id}`;
    const key = await apiKeys.get(cacheKey, () =>
      db
        .selectFrom("api_keys")
        .select(["api_key_id", "scope", "secret_hash", "revoked_at", "last_used_at"])
        .where("tenant_id", "=", credential.tenantId)
        .where("api_key_id", "=", credential.id)
        .executeTakeFirst(),
    );
    // The secret is checked on every request, cached or not: the cache holds the hash, never a verdict.
    if (!key || key.revoked_at || !secretMatches(credential.secret, key.secret_hash)) return undefined;
    if (!key.last_used_at || now.getTime() - key.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      key.last_used_at = now;
      // A hint for operators, not worth making the request wait (or a burst of requests queue on one row).
      void db
        .updateTable("api_keys")
        .set({ last_used_at: now })
        .where("tenant_id", "=", credential.tenantId)
        .where("api_key_id", "=", credential.id)
        .execute()
        .catch(() => undefined);
    }
    return { kind: "api_key", tenantId: credential.tenantId, apiKeyId: key.api_key_id, scope: key.scope };
  }
  const session = await db
    .selectFrom("sessions")
    .select(["session_id", "subject_kind", "subject_id", "secret_hash", "expires_at", "revoked_at"])
    .where("tenant_id", "=", credential.tenantId)
    .where("session_id", "=", credential.id)
    .executeTakeFirst();
  if (!session || session.revoked_at || session.expires_at <= now) return undefined;
  if (!secretMatches(credential.secret, session.secret_hash)) return undefined;
  if (credential.kind === "em" && session.subject_kind === "member") {
    return {
      kind: "member",
      tenantId: credential.tenantId,
      memberId: session.subject_id,
      sessionId: session.session_id,
    };
  }
  if (credential.kind === "es" && session.subject_kind === "staff") {
    const staff = await db
      .selectFrom("staff")
      .innerJoin("org_units", (join) =>
        join
          .onRef("org_units.tenant_id", "=", "staff.tenant_id")
          .onRef("org_units.org_unit_id", "=", "staff.org_unit_id"),
      )
      .select(["staff.staff_id", "staff.role", "staff.status", "staff.org_unit_id", "org_units.path"])
      .where("staff.tenant_id", "=", credential.tenantId)
      .where("staff.staff_id", "=", session.subject_id)
      .executeTakeFirst();
    if (staff?.status !== "active") return undefined;
    return {
      kind: "staff",
      tenantId: credential.tenantId,
      staffId: staff.staff_id,
      role: staff.role,
      orgUnitId: staff.org_unit_id,
      orgPath: staff.path,
      sessionId: session.session_id,
    };
  }
  return undefined;
}

// ——— API keys ———

export interface ApiKeyView {
  api_key_id: string;
  name: string;
  scope: "read" | "write";
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const API_KEY_COLUMNS = ["api_key_id", "name", "scope", "created_at", "last_used_at", "revoked_at"] as const;

/** Creates a key; the returned `key` is the only time the secret is visible. */
export async function createApiKey(
  tx: Executor,
  tenantId: string,
  input: { name: string; scope: "read" | "write" },
): Promise<ApiKeyView & { key: string }> {
  const id = newId("apiKey");
  const secret = newSecret();
  const row = await tx
    .insertInto("api_keys")
    .values({
      tenant_id: tenantId,
      api_key_id: id,
      name: input.name,
      scope: input.scope,
      secret_hash: hashSecret(secret),
      last_used_at: null,
      revoked_at: null,
    })
    .returning(API_KEY_COLUMNS)
    .executeTakeFirstOrThrow();
  return { ...row, key: formatCredential("ek", tenantId, id, secret) };
}

export async function listApiKeys(db: Executor, tenantId: string): Promise<ApiKeyView[]> {
  return db
    .selectFrom("api_keys")
    .select(API_KEY_COLUMNS)
    .where("tenant_id", "=", tenantId)
    .orderBy("api_key_id")
    .execute();
}

export async function revokeApiKey(
  tx: Executor,
  tenantId: string,
  apiKeyId: string,
  now: Date,
): Promise<ApiKeyView> {
  const row = await tx
    .updateTable("api_keys")
    .set((eb) => ({ revoked_at: eb.fn.coalesce("revoked_at", eb.val(now)) }))
    .where("tenant_id", "=", tenantId)
    .where("api_key_id", "=", apiKeyId)
    .returning(API_KEY_COLUMNS)
    .executeTakeFirst();
  if (!row) throw new Problem("not-found", `API key ${apiKeyId} does not exist`);
  apiKeys.delete(`${tenantId}/${apiKeyId}`);
  return row;
}

// ——— staff ———

export interface StaffView {
  staff_id: string;
  email: string;
  name: string;
  role: Role;
  org_unit_id: string;
  status: "active" | "disabled";
  created_at: Date;
}

const STAFF_COLUMNS = ["staff_id", "email", "name", "role", "org_unit_id", "status", "created_at"] as const;

export async function createStaff(
  tx: Executor,
  tenantId: string,
  input: { email: string; name: string; role: Role; org_unit_id: string; password: string },
  options: { passwordHash?: string } = {},
): Promise<StaffView> {
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new Problem("validation-failed", `password must have at least ${MIN_PASSWORD_LENGTH} characters`, {
      errors: [{ in: "body", field: "/password", message: `at least ${MIN_PASSWORD_LENGTH} characters` }],
    });
  }
  await getOrgUnit(tx, tenantId, input.org_unit_id).catch(() => {
    throw new Problem("validation-failed", `org unit ${input.org_unit_id} does not exist`, {
      errors: [{ in: "body", field: "/org_unit_id", message: "no such org unit" }],
    });
  });
  const email = input.email.trim().toLowerCase();
  const existing = await tx
    .selectFrom("staff")
    .select("staff_id")
    .where("tenant_id", "=", tenantId)
    .where("email", "=", email)
    .executeTakeFirst();
  if (existing) {
    throw new Problem("conflict", `a staff account with email ${email} already exists`, {
      errors: [{ in: "body", field: "/email", message: "already used" }],
    });
  }
  return tx
    .insertInto("staff")
    .values({
      tenant_id: tenantId,
      staff_id: newId("staff"),
      email,
      name: input.name,
      role: input.role,
      org_unit_id: input.org_unit_id,
      // Bulk loads (the demo) hash a shared password once: scrypt is deliberately slow.
      password_hash: options.passwordHash ?? (await hashPassword(input.password)),
    })
    .returning(STAFF_COLUMNS)
    .executeTakeFirstOrThrow();
}

/**
 * Changes a staff account: name, role, org unit or status. Disabling signs the person out everywhere at once
 * (their sessions are revoked; staff sessions are checked on every request). `withinPath` limits the change to
 * accounts in the caller's subtree.
 */
export async function updateStaff(
  tx: Executor,
  tenantId: string,
  staffId: string,
  changes: { name?: string; role?: Role; org_unit_id?: string; status?: "active" | "disabled" },
  now: Date,
  withinPath?: string,
): Promise<StaffView> {
  const current = (await listStaff(tx, tenantId, withinPath)).find((s) => s.staff_id === staffId);
  if (!current) throw new Problem("not-found", `no staff account ${staffId}`);
  if (changes.org_unit_id !== undefined) {
    const unit = await getOrgUnit(tx, tenantId, changes.org_unit_id).catch(() => undefined);
    if (!unit || (withinPath !== undefined && !unit.path.startsWith(withinPath))) {
      throw new Problem("validation-failed", `org unit ${changes.org_unit_id} does not exist`, {
        errors: [{ in: "body", field: "/org_unit_id", message: "no such org unit in your scope" }],
      });
    }
  }
  const updated = await tx
    .updateTable("staff")
    .set(changes)
    .where("tenant_id", "=", tenantId)
    .where("staff_id", "=", staffId)
    .returning(STAFF_COLUMNS)
    .executeTakeFirstOrThrow();
  if (changes.status === "disabled") {
    await tx
      .updateTable("sessions")
      .set({ revoked_at: now })
      .where("tenant_id", "=", tenantId)
      .where("subject_kind", "=", "staff")
      .where("subject_id", "=", staffId)
      .where("revoked_at", "is", null)
      .execute();
  }
  return updated;
}

export async function listStaff(db: Executor, tenantId: string, withinPath?: string): Promise<StaffView[]> {
  let query = db
    .selectFrom("staff")
    .innerJoin("org_units", (join) =>
      join
        .onRef("org_units.tenant_id", "=", "staff.tenant_id")
        .onRef("org_units.org_unit_id", "=", "staff.org_unit_id"),
    )
    .select(STAFF_COLUMNS.map((c) => `staff.${c}` as const))
    .where("staff.tenant_id", "=", tenantId);
  if (withinPath) query = query.where("org_units.path", "like", `${withinPath}%`);
  return query.orderBy("staff.staff_id").execute();
}

async function openSession(
  tx: Executor,
  tenantId: string,
  subject: { kind: "staff" | "member"; id: string },
  now: Date,
  ttlMs: number,
): Promise<{ token: string; expires_at: Date }> {
  const id = newId("session");
  const secret = newSecret();
  const expiresAt = new Date(now.getTime() + ttlMs);
  await tx
    .insertInto("sessions")
    .values({
      tenant_id: tenantId,
      session_id: id,
      subject_kind: subject.kind,
      subject_id: subject.id,
      secret_hash: hashSecret(secret),
      created_at: now,
      expires_at: expiresAt,
      revoked_at: null,
    })
    .execute();
  return {
    token: formatCredential(subject.kind === "staff" ? "es" : "em", tenantId, id, secret),
    expires_at: expiresAt,
  };
}

/** Password sign-in. The same problem for an unknown email and a wrong password, and the same cost. */
export async function logIn(
  db: Db,
  input: { tenantId: string | undefined; email: string; password: string },
  now: Date,
): Promise<{ token: string; expires_at: Date; staff: StaffView }> {
  const staff = input.tenantId
    ? await db
        .selectFrom("staff")
        .select([...STAFF_COLUMNS, "password_hash"])
        .where("tenant_id", "=", input.tenantId)
        .where("email", "=", input.email.trim().toLowerCase())
        .executeTakeFirst()
    : undefined;
  const valid = await verifyPassword(input.password, staff?.password_hash ?? DUMMY_PASSWORD_HASH);
  if (!staff || !input.tenantId || !valid || staff.status !== "active") {
    throw new Problem("unauthenticated", "Wrong brand, email or password");
  }
  const { password_hash: _, ...view } = staff;
  const session = await openSession(
    db,
    input.tenantId,
    { kind: "staff", id: staff.staff_id },
    now,
    STAFF_SESSION_TTL_MS,
  );
  return { ...session, staff: view };
}

export async function openMemberSession(
  tx: Executor,
  tenantId: string,
  memberId: string,
  now: Date,
): Promise<{ token: string; expires_at: Date }> {
  return openSession(tx, tenantId, { kind: "member", id: memberId }, now, MEMBER_SESSION_TTL_MS);
}

export async function revokeSession(
  tx: Executor,
  tenantId: string,
  sessionId: string,
  now: Date,
): Promise<void> {
  await tx
    .updateTable("sessions")
    .set({ revoked_at: now })
    .where("tenant_id", "=", tenantId)
    .where("session_id", "=", sessionId)
    .where("revoked_at", "is", null)
    .execute();
}

// ——— one-time codes ———

export async function createOtpChallenge(
  tx: Executor,
  tenantId: string,
  phone: string,
  now: Date,
): Promise<{ otp_id: string; code: string; expires_at: Date }> {
  const code = newNumericCode();
  const otpId = newId("otp");
  const expiresAt = new Date(now.getTime() + OTP_TTL_MS);
  await tx
    .insertInto("otp_challenges")
    .values({
      tenant_id: tenantId,
      otp_id: otpId,
      phone,
      code_hash: hashSecret(code),
      created_at: now,
      expires_at: expiresAt,
      used_at: null,
    })
    .execute();
  return { otp_id: otpId, code, expires_at: expiresAt };
}

/** Consumes the newest live code for the phone; wrong guesses count against it. */
export async function verifyOtp(
  tx: Executor,
  tenantId: string,
  phone: string,
  code: string,
  now: Date,
): Promise<boolean> {
  const challenge = await tx
    .selectFrom("otp_challenges")
    .select(["otp_id", "code_hash", "attempts"])
    .where("tenant_id", "=", tenantId)
    .where("phone", "=", phone)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy("created_at", "desc")
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
  if (!challenge || challenge.attempts >= OTP_MAX_ATTEMPTS) return false;
  const ok = secretMatches(code, challenge.code_hash);
  await tx
    .updateTable("otp_challenges")
    .set(ok ? { used_at: now } : { attempts: challenge.attempts + 1 })
    .where("tenant_id", "=", tenantId)
    .where("otp_id", "=", challenge.otp_id)
    .execute();
  return ok;
}

/** Which of these ids are staff of the brand. */
export async function existingStaffIds(db: Executor, tenantId: string, ids: string[]): Promise<Set<string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Set();
  const rows = await db
    .selectFrom("staff")
    .select("staff_id")
    .where("tenant_id", "=", tenantId)
    .where("staff_id", "in", unique)
    .execute();
  return new Set(rows.map((r) => r.staff_id));
}
