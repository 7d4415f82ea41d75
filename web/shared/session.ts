// Sessions are kept per face in localStorage, so an operator and a member can use one browser side by side.

export type Face = "admin" | "member" | "staff";

export interface StoredSession {
  token: string;
  tenant: string;
  name?: string;
  role?: string;
  /** The staff or member id behind the token. */
  subject?: string;
}

const key = (face: Face) => `enclave.${face}.session`;

export function loadSession(face: Face): StoredSession | null {
  try {
    const raw = localStorage.getItem(key(face));
    const parsed: unknown = raw ? JSON.parse(raw) : null;
    if (parsed && typeof parsed === "object" && typeof (parsed as StoredSession).token === "string") {
      return parsed as StoredSession;
    }
  } catch {
    // a damaged entry is the same as none
  }
  return null;
}

export function saveSession(face: Face, session: StoredSession): void {
  localStorage.setItem(key(face), JSON.stringify(session));
}

export function clearSession(face: Face): void {
  localStorage.removeItem(key(face));
}
