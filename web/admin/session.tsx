// The operator's session and the API client bound to it, shared by every console page.
import { createContext, useContext } from "react";
import type { ApiClient } from "../shared/api.ts";
import type { StoredSession } from "../shared/session.ts";

export interface Console {
  api: ApiClient;
  session: StoredSession;
  signOut: () => void;
}

export const ConsoleContext = createContext<Console | null>(null);

export function useConsole(): Console {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error("useConsole outside the signed-in console");
  return value;
}
