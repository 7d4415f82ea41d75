// Previous / next for the phone pages (plain buttons in their own style), over useCursorPages.
import type { CursorPages } from "./cursor-pages.ts";
import { useI18n } from "./i18n.tsx";

export function MobilePager(props: { pages: CursorPages; next: string | null | undefined }) {
  const { t } = useI18n();
  const { pages, next } = props;
  return (
    <div style={{ display: "flex", gap: 8, justifyContent: "center", marginTop: 8 }}>
      <button className="small" disabled={pages.first} onClick={pages.back}>
        {t("common.previous")}
      </button>
      <button className="small" disabled={!next} onClick={() => next && pages.forward(next)}>
        {t("common.next")}
      </button>
    </div>
  );
}
