// Redeeming physical goods: where to send them, filled in from my last physical redemption (or my name and
// phone), with the API's problems under the field they name.
import { useEffect, useState } from "react";
import { errorText, fieldErrors } from "../../shared/api.ts";
import { num } from "../../shared/format.ts";
import { useI18n } from "../../shared/i18n.tsx";
import type { Member } from "../../shared/types.ts";
import { useMember } from "../context.ts";
import type { ShippingAddress } from "./MyRedemptions.tsx";

const FIELDS = ["name", "phone", "region", "address_line", "postal_code"] as const;
type Field = (typeof FIELDS)[number];
type Values = Record<Field, string>;
const LABELS = {
  name: "m.ship.name",
  phone: "m.ship.phone",
  region: "m.ship.region",
  address_line: "m.ship.addressLine",
  postal_code: "m.ship.postalCode",
} as const;
const EMPTY: Values = { name: "", phone: "", region: "", address_line: "", postal_code: "" };

export function ShippingForm(props: {
  reward: { code: string; name: string; price_points: number };
  previous: ShippingAddress | undefined;
  onRedeemed: () => void;
  onCancel: () => void;
}) {
  const { t, lang } = useI18n();
  const { api } = useMember();
  const { previous } = props;
  const [values, setValues] = useState<Values>(() => ({ ...EMPTY, ...previous }));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  // One reference for this attempt (the form as opened): a retried or double-tapped submit redeems once.
  const [reference] = useState(() => crypto.randomUUID());
  useEffect(() => {
    if (previous) return;
    // No earlier address: start from who I am.
    api.get<Member>("/v1/me").then(
      (me) =>
        setValues((v) => ({ ...v, name: v.name || (me.name ?? ""), phone: v.phone || (me.phone ?? "") })),
      () => undefined,
    );
  }, []);

  const submit = async () => {
    setBusy(true);
    setErrors({});
    setNotice(undefined);
    // Blank fields are left out, so the API says which required one is missing.
    const address = Object.fromEntries(
      FIELDS.map((f) => [f, values[f].trim()] as const).filter(([, v]) => v !== ""),
    );
    try {
      await api.post("/v1/me/mall/redemptions", {
        reward_code: props.reward.code,
        reference,
        shipping_address: address,
      });
      props.onRedeemed();
    } catch (failure) {
      // `/shipping_address/address_line` → `shipping_address.address_line` → under "Address".
      const byField: Record<string, string> = {};
      for (const [key, message] of Object.entries(fieldErrors(failure))) {
        const field = key.replace(/^shipping_address\./, "");
        if ((FIELDS as readonly string[]).includes(field)) byField[field] = message;
      }
      setErrors(byField);
      // Not enough points, out of stock…: no field owns it.
      if (Object.keys(byField).length === 0) setNotice(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="section" data-testid="shipping-form">
      <h2>{t("m.ship.title")}</h2>
      <p className="muted">{t("m.ship.intro", { name: props.reward.name })}</p>
      {previous && <p className="muted">{t("m.ship.fromLast")}</p>}
      {FIELDS.map((f) => (
        <div key={f}>
          <label htmlFor={`ship-${f}`}>{t(LABELS[f])}</label>
          <input
            id={`ship-${f}`}
            value={values[f]}
            inputMode={f === "phone" ? "tel" : undefined}
            autoComplete={AUTOCOMPLETE[f]}
            aria-invalid={errors[f] ? true : undefined}
            onChange={(e) => setValues({ ...values, [f]: e.target.value })}
          />
          {errors[f] && (
            <p className="error" data-testid={`error-${f}`}>
              {errors[f]}
            </p>
          )}
        </div>
      ))}
      {notice && <p className="error">{notice}</p>}
      <button className="primary" disabled={busy} onClick={() => void submit()}>
        {t("m.ship.submit", { points: num(props.reward.price_points, lang) })}
      </button>
      <button className="small" style={{ marginTop: 12 }} onClick={props.onCancel}>
        {t("m.ship.cancel")}
      </button>
    </div>
  );
}

const AUTOCOMPLETE: Record<Field, string> = {
  name: "shipping name",
  phone: "shipping tel",
  region: "shipping address-level1",
  address_line: "shipping street-address",
  postal_code: "shipping postal-code",
};
