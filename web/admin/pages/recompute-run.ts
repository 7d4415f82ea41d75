// The audience recompute as a background run the console follows: start it, then read its phase and percent
// every second until it ends (POST/GET /v1/audience/recompute-runs).
import { useEffect, useRef, useState } from "react";
import type { ApiClient } from "../../shared/api.ts";

export type RecomputePhase = "facts" | "scores" | "tags" | "segments" | "events";

export interface RecomputeRun {
  run_id: string;
  status: "running" | "succeeded" | "failed";
  phase: RecomputePhase | null;
  phases_done: number;
  percent: number;
  report: { members?: number; duration_ms?: number } | null;
  error: string | null;
}

const POLL_MS = 1_000;

export function useRecomputeRun(api: ApiClient, onSucceeded: () => void) {
  const [run, setRun] = useState<RecomputeRun>();
  const [failure, setFailure] = useState<unknown>();
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const follow = (current: RecomputeRun) => {
    setRun(current);
    if (current.status === "succeeded") onSucceeded();
    if (current.status !== "running") return;
    timer.current = setTimeout(() => {
      api.get<RecomputeRun>(`/v1/audience/recompute-runs/${current.run_id}`).then(follow, setFailure);
    }, POLL_MS);
  };
  const start = () => {
    setFailure(undefined);
    api.post<RecomputeRun>("/v1/audience/recompute-runs", { facts: "full" }).then(follow, setFailure);
  };
  return { run, failure, running: run?.status === "running", start };
}
