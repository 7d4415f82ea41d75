import type { Platform } from "../platform/context.ts";
import type { SendMessage } from "./actions.ts";
import { runScheduler } from "./runs.ts";

/** Every minute: start due scheduled and calendar passes, work unfinished ones, end campaigns past their end. */
export function defineCampaignJobs(platform: Platform, sendMessage?: SendMessage): void {
  platform.jobs.define(
    "campaigns.scheduler",
    async () => {
      const report = await runScheduler(platform.database.db, () => platform.clock.now(), sendMessage);
      if (report.started > 0 || report.ended > 0) platform.log.info(report, "campaign scheduler");
    },
    { cron: "* * * * *" },
  );
}
