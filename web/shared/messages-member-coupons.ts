// Texts of the member center's coupon wallet and the sheet a coupon opens in, with its code as a QR code and a
// barcode for the till. [zh-CN, en], merged into messages.ts.

export const memberCouponMessages = {
  "m.cpn.use": ["立即使用", "Use now"],
  "m.cpn.close": ["关闭", "Close"],
  "m.cpn.valid": ["{from} 至 {until}", "Valid {from} – {until}"],
  "m.cpn.brightness": [
    "请调亮屏幕，向店员出示此码",
    "Turn your screen brightness up and show this code at the till",
  ],
  "m.cpn.qr": ["券码二维码", "Coupon QR code"],
  "m.cpn.barcode": ["券码条形码", "Coupon barcode"],
  "m.cpn.code": ["券码", "Code"],
  "m.cpn.notYet": ["{date} 起可用，届时显示券码", "Usable from {date}; its code shows then"],
  "m.cpn.noCode": [
    "此券已不可使用，不再显示券码",
    "This coupon can no longer be used, so it has no code to show",
  ],
  "m.cpn.status.available": ["可使用", "Usable"],
  "m.cpn.status.reserved": ["结账中", "Held by a checkout"],
  "m.cpn.status.redeemed": ["已使用", "Used"],
  "m.cpn.status.revoked": ["已作废", "Withdrawn"],
  "m.cpn.status.expired": ["已过期", "Expired"],
} as const satisfies Record<string, readonly [string, string]>;
