// The member's session and the API client bound to it.
import { createContext, useContext } from "react";
import type { ApiClient } from "../shared/api.ts";
import type { StoredSession } from "../shared/session.ts";

export interface MemberCenter {
  api: ApiClient;
  session: StoredSession;
  signOut: () => void;
}

export const MemberContext = createContext<MemberCenter | null>(null);

export function useMember(): MemberCenter {
  const value = useContext(MemberContext);
  if (!value) throw new Error("useMember outside a member session");
  return value;
}
