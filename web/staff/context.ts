// The staff member's session and the API client bound to it.
import { createContext, useContext } from "react";
import type { ApiClient } from "../shared/api.ts";
import type { StoredSession } from "../shared/session.ts";

export interface StaffDesk {
  api: ApiClient;
  session: StoredSession;
  signOut: () => void;
}

export const StaffContext = createContext<StaffDesk | null>(null);

export function useStaff(): StaffDesk {
  const value = useContext(StaffContext);
  if (!value) throw new Error("useStaff outside a staff session");
  return value;
}
