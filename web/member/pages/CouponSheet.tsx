// One coupon opened from the wallet, in a sheet over the page: its name, what it gives and how long it is good
// for, and, while it can be used, its code as a QR code and a CODE128 barcode for the till to scan (the text
// below for typing in). Used, withdrawn and expired coupons show why they have no code instead.
import { useEffect, useRef } from "react";
import type { Benefit, Conditions } from "../../admin/pages/coupon-template-body.ts";
import { benefitText } from "../../admin/pages/coupon-benefit-text.ts";
import { Barcode, QrCode } from "../../shared/Codes.tsx";
import { date } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import type { MessageKey } from "../../shared/messages.ts";
import type { Coupon } from "../../shared/types.ts";

export type WalletCoupon = Coupon & { description?: string | null; conditions?: Conditions };

/** Whether a till would take it now: available (not held by a checkout), started and not yet ended. */
export function usableNow(coupon: WalletCoupon, now = Date.now()): boolean {
  return (
    coupon.status === "available" &&
    Date.parse(coupon.valid_from) <= now &&
    Date.parse(coupon.valid_until) > now
  );
}

export function statusKey(coupon: WalletCoupon): MessageKey {
  const known = ["available", "reserved", "redeemed", "revoked", "expired"] as const;
  const status = known.find((s) => s === coupon.status) ?? "expired";
  return `m.cpn.status.${status}`;
}

export function CouponSheet(props: { coupon: WalletCoupon; onClose: () => void }) {
  const { t, lang } = useI18n();
  const { coupon, onClose } = props;
  const close = useRef<HTMLButtonElement>(null);
  const usable = usableNow(coupon);
  const notYet = coupon.status === "available" && Date.parse(coupon.valid_from) > Date.now();

  useEffect(() => {
    close.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    document.addEventListener("keydown", onKey);
    // The page behind stays where it was; the sheet scrolls on its own.
    const overflow = document.body.style.overflow;
    document.body.style.overflow = "hidden";
    return () => {
      document.removeEventListener("keydown", onKey);
      document.body.style.overflow = overflow;
    };
  }, [onClose]);

  // A scanner needs the screen lit: keep it from dimming while a usable code is shown, where the browser can.
  useEffect(() => {
    if (!usable || !("wakeLock" in navigator)) return;
    let lock: WakeLockSentinel | undefined;
    let live = true;
    navigator.wakeLock.request("screen").then(
      (sentinel) => {
        if (live) lock = sentinel;
        else void sentinel.release().catch(() => undefined);
      },
      () => undefined,
    );
    return () => {
      live = false;
      void lock?.release().catch(() => undefined);
    };
  }, [usable]);

  return (
    <div className="sheet-backdrop" onClick={onClose}>
      <div
        className="sheet"
        role="dialog"
        aria-modal="true"
        aria-labelledby="coupon-sheet-name"
        data-testid="coupon-sheet"
        onClick={(event) => event.stopPropagation()}
      >
        <button
          type="button"
          className="sheet-close"
          ref={close}
          onClick={onClose}
          aria-label={t("m.cpn.close")}
        >
          ×
        </button>
        <h2 id="coupon-sheet-name">{coupon.name}</h2>
        <div className="sheet-value">
          {benefitText(t, coupon.benefit as Benefit, coupon.conditions ?? {})}
        </div>
        <div className="muted">
          {t("m.cpn.valid", { from: date(coupon.valid_from, lang), until: date(coupon.valid_until, lang) })}
        </div>
        {coupon.description && <p className="muted">{coupon.description}</p>}
        {usable ? (
          <div className="codes sheet-codes">
            <p className="sheet-hint">☀ {t("m.cpn.brightness")}</p>
            <QrCode value={coupon.code} size={200} label={t("m.cpn.qr")} />
            <Barcode value={coupon.code} label={t("m.cpn.barcode")} />
            <div className="sheet-code">
              <span className="muted">{t("m.cpn.code")}</span> <b data-testid="coupon-code">{coupon.code}</b>
            </div>
          </div>
        ) : (
          <p className="sheet-unusable" data-testid="coupon-unusable">
            <b>{t(statusKey(coupon))}</b>
            <br />
            {notYet ? t("m.cpn.notYet", { date: date(coupon.valid_from, lang) }) : t("m.cpn.noCode")}
          </p>
        )}
      </div>
    </div>
  );
}
