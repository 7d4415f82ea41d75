// Texts of the member center's points mall beyond the catalog: the shipping address of physical rewards and
// "My redemptions" with each one's fulfilment. [zh-CN, en], merged into messages.ts.

export const memberMallMessages = {
  "m.ship.title": ["收货地址", "Shipping address"],
  "m.ship.intro": ["{name} 将寄送到以下地址", "Where we send {name}"],
  "m.ship.name": ["收货人", "Recipient"],
  "m.ship.phone": ["手机号", "Phone"],
  "m.ship.region": ["省市区（选填）", "Region (optional)"],
  "m.ship.addressLine": ["详细地址", "Address"],
  "m.ship.postalCode": ["邮编（选填）", "Postal code (optional)"],
  "m.ship.fromLast": ["已填入上次兑换的地址", "Filled in from your last redemption"],
  "m.ship.submit": ["确认兑换（{points} 积分）", "Redeem for {points} points"],
  "m.ship.cancel": ["取消", "Cancel"],

  "m.rdm.title": ["我的兑换", "My redemptions"],
  "m.rdm.none": ["还没有兑换记录", "No redemptions yet"],
  "m.rdm.points": ["-{points} 积分", "-{points} points"],
  "m.rdm.tracking": ["运单号 {no}", "Tracking no. {no}"],
  "m.rdm.carrierTracking": ["{carrier} 运单号 {no}", "{carrier}, tracking no. {no}"],
  "m.rdm.voucher": ["券码 {code}", "Code {code}"],
  "m.rdm.more": ["查看更多", "Show more"],
  "m.rdm.status.pending_fulfilment": ["已下单，待发货", "Ordered"],
  "m.rdm.status.shipped": ["已发货", "Shipped"],
  "m.rdm.status.delivered": ["已签收", "Delivered"],
  "m.rdm.status.cancelled": ["已取消，积分已退回", "Cancelled, points returned"],
  "m.rdm.status.fulfilled": ["已到账", "Received"],
} as const satisfies Record<string, readonly [string, string]>;
