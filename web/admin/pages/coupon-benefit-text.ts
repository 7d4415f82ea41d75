// What a template gives, as an operator says it: "满148减20", "2nd item 50% off", "Free GIFT-CUP × 1".
import { date } from "../../shared/format.ts";
import type { Lang, Translate } from "../../shared/i18n.tsx";
import type { Benefit, Conditions, Validity } from "./coupon-template-body.ts";

/** Fen as plain yuan, whole yuan without decimals: 14800 → "148", 3990 → "39.90". */
export function yuan(minor: number): string {
  return minor % 100 === 0 ? String(minor / 100) : (minor / 100).toFixed(2);
}

/** A percent off in the Chinese way of saying it: 15% off is 8.5 折, 50% off is 5 折. */
const zhe = (percent: number) => String(Number(((100 - percent) / 10).toFixed(1)));

const ordinal = (n: number) => `${n}${n === 2 ? "nd" : n === 3 ? "rd" : "th"}`;

export function benefitText(t: Translate, benefit: Benefit, conditions: Conditions): string {
  switch (benefit.kind) {
    case "amount_off": {
      const amount = yuan(benefit.amount_minor);
      return conditions.min_spend_minor
        ? t("coupon.text.amountOffOver", { amount, min: yuan(conditions.min_spend_minor) })
        : t("coupon.text.amountOff", { amount });
    }
    case "percent_off": {
      const off =
        benefit.percent === 100
          ? t("coupon.text.allOff")
          : t("coupon.text.percentOff", { percent: benefit.percent, zhe: zhe(benefit.percent) });
      const cap = benefit.max_discount_minor;
      return cap !== undefined ? off + t("coupon.text.capped", { cap: yuan(cap) }) : off;
    }
    case "nth_item": {
      const vars = { nth: benefit.nth, ordinal: ordinal(benefit.nth), percent: benefit.percent };
      const text =
        benefit.percent === 100
          ? t("coupon.text.nthItemFree", vars)
          : t("coupon.text.nthItem", { ...vars, zhe: zhe(benefit.percent) });
      return benefit.max_applications ? text + t("coupon.text.times", { n: benefit.max_applications }) : text;
    }
    case "free_item": {
      const text = t("coupon.text.freeItem", { skus: benefit.skus.join(" / "), quantity: benefit.quantity });
      const cap = benefit.max_value_minor;
      return cap !== undefined ? text + t("coupon.text.valueCap", { cap: yuan(cap) }) : text;
    }
    case "free_shipping":
      return (
        t("coupon.text.freeShipping") +
        (benefit.max_minor !== undefined
          ? t("coupon.text.shippingCap", { cap: yuan(benefit.max_minor) })
          : "")
      );
    case "fixed_price": {
      const text = t("coupon.text.fixedPrice", {
        skus: benefit.skus.join(" / "),
        price: yuan(benefit.price_minor),
      });
      return benefit.max_units ? text + t("coupon.text.units", { n: benefit.max_units }) : text;
    }
  }
}

export function validityText(t: Translate, lang: Lang, validity: Validity): string {
  if (validity.kind === "fixed") return `${date(validity.starts_at, lang)} – ${date(validity.ends_at, lang)}`;
  const text = t("coupon.daysAfterIssue", { days: validity.days });
  return validity.starts_after_days
    ? text + t("coupon.text.startsAfter", { n: validity.starts_after_days })
    : text;
}
