import { expect } from "vitest";
import { buildOrg, drain, type Org, staffMember } from "../../src/org/org.test-support.ts";
import type { ApiResponse, Brand, Harness } from "./harness.ts";

/**
 * A brand with one real object of every kind the API's routes take ids of, made through the API: org units,
 * guides, members with orders, coupons, points, tags, a paid tier, a mall redemption, a trial application and a
 * held checkout, and the brand's catalogue (templates, packs, tiers, rewards, tags, segments, campaigns, tasks,
 * codes, replies, webhooks, messages). The access sweeps fill every id a request names from here.
 */

export interface Staff {
  id: string;
  token: string;
  name: string;
}

/** A member and what belongs to it alone. */
export interface WorldMember {
  member_id: string;
  phone: string;
  card_no: string;
  name: string;
  email: string;
  identity: { kind: string; value: string };
  /** A member session (as the brand's backend would open one). */
  token: string;
  referral_code: string;
  order_id: string;
  order_external_id: string;
  coupon: string;
  checkout: string;
  subscription_id: string;
  redemption_id: string;
  application_id: string;
}

export interface World {
  brand: Brand;
  label: string;
  org: Org;
  /** Guide of store s1 (member m1's) and guide of store s2 (member m2's). */
  guideA: Staff;
  guideB: Staff;
  m1: WorldMember;
  m2: WorldMember;
  /** The brand's objects by kind (the ids its routes take) and its codes. */
  ids: {
    coupon_template: string;
    pack: string;
    tier: string;
    plan: string;
    reward: string;
    tag_group: string;
    tag: string;
    segment: string;
    campaign: string;
    earn_rule: string;
    engagement_task: string;
    trial: string;
    staff_task: string;
    quick_reply: string;
    channel_code: string;
    webhook_endpoint: string;
    delivery: string;
    message_template: string;
    message: string;
    recompute_run: string;
    api_key: string;
    playbook: string;
  };
  codes: {
    coupon_template: string;
    pack: string;
    tier: string;
    plan: string;
    reward: string;
    message_template: string;
    channel_scene: string;
  };
}

let worlds = 0;

function ok<T>(res: ApiResponse<T>, what: string, status = [200, 201, 202]): T {
  expect(status, `${what} → ${res.status} ${res.text.slice(0, 500)}`).toContain(res.status);
  return res.body;
}

/** Seeds `brand` (made by `h.newBrand()`); `label` marks its names, emails and codes (letters only). */
export async function seedWorld(h: Harness, brand: Brand, label: string): Promise<World> {
  const n = ++worlds;
  const tag = `${label}${n}`;
  const code = (what: string) => `${tag.toUpperCase()}-${what}`;
  const owner = { token: brand.ownerToken };
  const post = async <T>(url: string, body: unknown, token = brand.ownerToken) =>
    ok(await h.api<T>("POST", url, { token, body }), `POST ${url}`);
  const get = async <T>(url: string, token = brand.ownerToken) =>
    ok(await h.api<T>("GET", url, { token }), `GET ${url}`);

  const org = await buildOrg(h, brand);
  const guide = async (store: string, name: string): Promise<Staff> => ({
    ...(await staffMember(h, brand, "guide", store, name)),
    name,
  });
  const guideA = await guide(org.s1, `${tag} Guide A`);
  const guideB = await guide(org.s2, `${tag} Guide B`);

  // The catalogue first: members' coupons, tiers and rewards come from it.
  const template = await post<{ template_id: string }>("/v1/coupon-templates", {
    code: code("TPL"),
    name: `${tag} ten off`,
    benefit: { kind: "amount_off", amount_minor: 1_000 },
    validity: { kind: "relative", days: 30 },
    claimable: true,
    staff_issuable: true,
  });
  const pack = await post<{ pack_id: string }>("/v1/coupon-packs", {
    code: code("PACK"),
    name: `${tag} pack`,
    items: [{ template_id: template.template_id, quantity: 1 }],
  });
  const tier = await post<{ tier_id: string }>("/v1/tiers", {
    code: code("GOLD"),
    name: `${tag} gold`,
    rank: 90,
    kind: "paid",
  });
  const plan = await post<{ plan_id: string }>("/v1/tier-plans", {
    tier_id: tier.tier_id,
    code: code("YEAR"),
    name: `${tag} year`,
    price_minor: 9_900,
    duration: "year",
  });
  const reward = await post<{ reward_id: string }>("/v1/mall/rewards", {
    code: code("MUG"),
    name: `${tag} mug`,
    kind: "physical",
    price_points: 100,
  });
  const group = await post<{ group_id: string }>("/v1/audience/tag-groups", {
    name: `${tag} group`,
    dimension: "custom",
  });
  const manualTag = await post<{ tag_id: string }>("/v1/audience/tags", {
    group_id: group.group_id,
    name: `${tag} vip`,
    kind: "manual",
  });
  const segment = await post<{ segment_id: string }>("/v1/audience/segments", {
    name: `${tag} segment`,
    condition: { field: "tags", op: "has_any", value: [manualTag.tag_id] },
  });
  const messageTemplate = await post<{ template_id: string }>("/v1/message-templates", {
    code: code("HELLO"),
    name: `${tag} hello`,
    category: "transactional",
    contents: { sms: { "zh-CN": { body: "{{member.name}} hello" }, en: { body: "{{member.name}} hello" } } },
  });
  const campaign = await post<{ campaign_id: string }>("/v1/campaigns", {
    name: `${tag} campaign`,
    trigger: { kind: "event", event: "order.created" },
    actions: [
      { kind: "issue_coupon", template_id: template.template_id },
      { kind: "add_tag", tag_id: manualTag.tag_id },
    ],
  });
  const rule = await post<{ rule_id: string }>("/v1/earn-rules", {
    name: `${tag} bonus`,
    definition: { kind: "bonus", points: 1, when: { stores: [org.s1] } },
    active: false,
  });
  const task = await post<{ task_id: string }>("/v1/engagement/tasks", {
    code: code("SHARE"),
    name: `${tag} share`,
    event_type: "share",
    period: "daily",
    reward_points: 1,
  });
  const trial = await post<{ trial_id: string }>("/v1/trials", {
    code: code("TRIAL"),
    name: `${tag} trial`,
    product_sku: "SKU-TRIAL",
    quota: 5,
    applications_open_at: new Date(Date.now() - 86_400_000).toISOString(),
    applications_close_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
  });
  const staffTask = await post<{ task_id: string }>("/v1/staff-tasks", {
    title: `${tag} call your members`,
    kind: "contact_members",
    scope_org_unit_id: org.north,
    target_per_assignee: 1,
    due_at: new Date(Date.now() + 7 * 86_400_000).toISOString(),
  });
  const reply = await post<{ reply_id: string }>("/v1/quick-replies", {
    category: "greeting",
    title: `${tag} hello`,
    body: "Hello {{member_name}} ({{card_no}}), {{guide_name}} of {{store_name}} here",
    shared: true,
  });
  const channel = await post<{ code_id: string; scene_key: string }>("/v1/channel-codes", {
    name: `${tag} store code`,
    kind: "guide",
    store_id: org.s1,
    guide_id: guideA.id,
    tag_ids: [manualTag.tag_id],
  });
  const endpoint = await post<{ endpoint_id: string }>("/v1/webhook-endpoints", {
    url: `https://hooks.${tag.toLowerCase()}.example.com/enclave`,
    event_types: ["member.*"],
  });
  const key = await post<{ api_key_id: string }>("/v1/api-keys", { name: `${tag} spare`, scope: "read" });
  const playbooks = await get<{ items: { key: string }[] }>("/v1/campaigns/playbooks");
  const playbook = playbooks.items[0]?.key ?? "";
  expect(playbook).not.toBe("");
  const enableReferrals = await h.api("PATCH", "/v1/engagement/settings", {
    ...owner,
    body: {
      referral: {
        enabled: true,
        bind_window_days: 30,
        on_join: { inviter: { points: 1, coupon: null }, invitee: { points: 1, coupon: null } },
        on_first_order: {
          inviter: { points: 1, coupon: null },
          invitee: { points: 1, coupon: null },
          min_paid_minor: 0,
          when: "created",
        },
        max_rewarded_per_inviter_per_month: 10,
      },
    },
  });
  ok(enableReferrals, "enable referrals");

  let phoneCounter = 0;
  const member = async (store: string, guide: Staff, which: string): Promise<WorldMember> => {
    const phone = `139${String(process.pid % 10_000).padStart(4, "0")}${String(n % 100).padStart(2, "0")}${++phoneCounter}${phoneCounter}`;
    const name = `${tag} member ${which}`;
    const email = `${tag.toLowerCase()}.${which}@members.test`;
    const identity = { kind: "pos", value: `${tag}-pos-${which}` };
    const joined = await post<{ member_id: string; card_no: string; phone: string }>(
      "/v1/members",
      {
        phone,
        name,
        email,
        identities: [identity],
        channel: "store",
        store_id: store,
        guide_id: guide.id,
        consent: { sms: true, email: true, im: true },
      },
      brand.writeKey,
    );
    const id = joined.member_id;
    const externalId = `${tag}-order-${which}`;
    const order = await post<{ order_id: string }>(
      "/v1/orders",
      {
        channel: "pos",
        external_id: externalId,
        member: { member_id: id },
        store_id: store,
        guide_id: guide.id,
        currency: "CNY",
        ordered_at: new Date().toISOString(),
        lines: [{ sku: "TEA", category: "fruit_tea", quantity: 1, unit_price_minor: 3_000 }],
        paid_minor: 3_000,
      },
      brand.writeKey,
    );
    await post(`/v1/members/${id}/points/adjustments`, { amount: 1_000, reason: `${tag} seed` });
    const issued = await post<{ coupons: { code: string }[] }>(`/v1/members/${id}/coupons`, {
      template_code: code("TPL"),
    });
    await post(`/v1/audience/tags/${manualTag.tag_id}/members`, { member_ids: [id] });
    const subscription = await post<{ subscription_id: string }>(`/v1/members/${id}/tier-subscriptions`, {
      external_id: `${tag}-sub-${which}`,
      plan_id: plan.plan_id,
    });
    const redemption = await post<{ redemption_id: string }>(`/v1/members/${id}/mall/redemptions`, {
      reward_code: code("MUG"),
      reference: `${tag}-redeem-${which}`,
      shipping_address: { name, phone, address_line: "1 Sweep Street" },
    });
    const session = await post<{ token: string }>(`/v1/members/${id}/sessions`, undefined, brand.writeKey);
    const referral = await get<{ code: string }>("/v1/me/referral", session.token);
    const application = await post<{ application_id: string }>(
      `/v1/me/trials/${trial.trial_id}/applications`,
      { recipient_name: name, phone, address: "1 Sweep Street" },
      session.token,
    );
    // A checkout held for the member: its second coupon is reserved, the first stays in the wallet.
    const second = await post<{ coupons: { code: string }[] }>(`/v1/members/${id}/coupons`, {
      template_code: code("TPL"),
    });
    const cart = {
      currency: "CNY",
      channel: "pos",
      store_id: store,
      lines: [{ sku: "TEA", quantity: 2, unit_price_minor: 3_000 }],
    };
    const heldCoupon = second.coupons[0]?.code ?? "";
    const quote = await post<{ payable_minor: number }>(
      "/v1/checkout/quote",
      { member_id: id, cart, coupons: [heldCoupon] },
      brand.writeKey,
    );
    const checkoutId = `${tag}-checkout-${which}`;
    await post(
      "/v1/checkout/commit",
      {
        order_id: checkoutId,
        member_id: id,
        cart,
        coupons: [heldCoupon],
        expected_payable_minor: quote.payable_minor,
        hold: true,
      },
      brand.writeKey,
    );
    return {
      member_id: id,
      phone: joined.phone,
      card_no: joined.card_no,
      name,
      email,
      identity,
      token: session.token,
      referral_code: referral.code,
      order_id: order.order_id,
      order_external_id: externalId,
      coupon: issued.coupons[0]?.code ?? "",
      checkout: checkoutId,
      subscription_id: subscription.subscription_id,
      redemption_id: redemption.redemption_id,
      application_id: application.application_id,
    };
  };
  const m1 = await member(org.s1, guideA, "one");
  const m2 = await member(org.s2, guideB, "two");

  const message = await post<{ message_id: string }>(
    "/v1/messages",
    { member_id: m1.member_id, template_code: code("HELLO"), channel: "sms" },
    brand.writeKey,
  );
  const run = await post<{ run_id: string }>("/v1/audience/recompute-runs", {});
  await untilRunEnded(h, brand, run.run_id);
  await drain(h);
  const deliveries = await get<{ items: { delivery_id: string }[] }>(
    `/v1/webhook-endpoints/${endpoint.endpoint_id}/deliveries`,
  );
  const delivery = deliveries.items[0]?.delivery_id ?? "";
  expect(delivery, "a webhook delivery").not.toBe("");

  return {
    brand,
    label: tag,
    org,
    guideA,
    guideB,
    m1,
    m2,
    ids: {
      coupon_template: template.template_id,
      pack: pack.pack_id,
      tier: tier.tier_id,
      plan: plan.plan_id,
      reward: reward.reward_id,
      tag_group: group.group_id,
      tag: manualTag.tag_id,
      segment: segment.segment_id,
      campaign: campaign.campaign_id,
      earn_rule: rule.rule_id,
      engagement_task: task.task_id,
      trial: trial.trial_id,
      staff_task: staffTask.task_id,
      quick_reply: reply.reply_id,
      channel_code: channel.code_id,
      webhook_endpoint: endpoint.endpoint_id,
      delivery,
      message_template: messageTemplate.template_id,
      message: message.message_id,
      recompute_run: run.run_id,
      api_key: key.api_key_id,
      playbook,
    },
    codes: {
      coupon_template: code("TPL"),
      pack: code("PACK"),
      tier: code("GOLD"),
      plan: code("YEAR"),
      reward: code("MUG"),
      message_template: code("HELLO"),
      channel_scene: channel.scene_key,
    },
  };
}

async function untilRunEnded(h: Harness, brand: Brand, runId: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const run = await h.api<{ status: string }>("GET", `/v1/audience/recompute-runs/${runId}`, {
      token: brand.readKey,
    });
    if (run.body.status !== "running") return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`recompute run ${runId} did not end`);
}

/** The value of each path parameter the API's routes take, for `member`'s objects and the brand's others. */
export function pathIdsOf(
  world: World,
  member: WorldMember = world.m1,
): (path: string, name: string) => string {
  const { ids } = world;
  return (path, name) => {
    switch (name) {
      case "member_id":
        return member.member_id;
      case "order_id":
        return path.startsWith("/v1/checkouts/") ? member.checkout : member.order_id;
      case "coupon":
        return member.coupon;
      case "subscription_id":
        return member.subscription_id;
      case "redemption_id":
        return member.redemption_id;
      case "application_id":
        return member.application_id;
      case "staff_id":
        return member === world.m2 ? world.guideB.id : world.guideA.id;
      case "org_unit_id":
        return member === world.m2 ? world.org.s2 : world.org.s1;
      case "task_id":
        return path.startsWith("/v1/staff-tasks/") ? ids.staff_task : ids.engagement_task;
      case "template_id":
        return path.startsWith("/v1/message-templates/") ? ids.message_template : ids.coupon_template;
      case "code_id":
        return ids.channel_code;
      case "reply_id":
        return ids.quick_reply;
      case "api_key_id":
        return ids.api_key;
      case "platform":
        return "shopify";
      case "tenant_slug":
        return world.brand.slug;
      case "rule_id":
        return ids.earn_rule;
      case "tier_id":
        return ids.tier;
      case "plan_id":
        return ids.plan;
      case "pack_id":
        return ids.pack;
      case "reward_id":
        return ids.reward;
      case "run_id":
        return ids.recompute_run;
      case "tag_id":
        return ids.tag;
      case "segment_id":
        return ids.segment;
      case "key":
        return ids.playbook;
      case "campaign_id":
        return ids.campaign;
      case "trial_id":
        return ids.trial;
      case "endpoint_id":
        return ids.webhook_endpoint;
      case "delivery_id":
        return ids.delivery;
      case "message_id":
        return ids.message;
      default:
        throw new Error(`no id for {${name}} in ${path}: add the kind to seedWorld`);
    }
  };
}
