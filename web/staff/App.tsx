import { useMemo, useState } from "react";
import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { createApi } from "../shared/api.ts";
import { clearSession, loadSession, type StoredSession } from "../shared/session.ts";
import { StaffContext } from "./context.ts";
import { MemberCard } from "./pages/MemberCard.tsx";
import { MyMembers } from "./pages/MyMembers.tsx";
import { Results } from "./pages/Results.tsx";
import { SignIn } from "./pages/SignIn.tsx";
import { Tasks } from "./pages/Tasks.tsx";
import { TaskTodo } from "./pages/TaskTodo.tsx";

export function App() {
  const [session, setSession] = useState<StoredSession | null>(() => loadSession("staff"));
  const desk = useMemo(() => {
    if (!session) return null;
    const signOut = () => {
      clearSession("staff");
      setSession(null);
    };
    return { session, signOut, api: createApi(() => session.token, signOut) };
  }, [session]);
  return (
    <BrowserRouter basename="/staff">
      {desk ? (
        <StaffContext.Provider value={desk}>
          <Routes>
            <Route path="/" element={<MyMembers />} />
            <Route path="/members/:memberId" element={<MemberCard />} />
            <Route path="/results" element={<Results />} />
            <Route path="/tasks" element={<Tasks />} />
            <Route path="/tasks/:taskId" element={<TaskTodo />} />
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </StaffContext.Provider>
      ) : (
        <Routes>
          <Route path="*" element={<SignIn onSignedIn={setSession} />} />
        </Routes>
      )}
    </BrowserRouter>
  );
}
