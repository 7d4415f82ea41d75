/** The demo brand: a tea-drink chain in the style the seed articles describe (HQ, regions, city stores). */
export const DEMO_REGIONS = [
  {
    code: "EAST",
    name: "华东大区 East China",
    stores: [
      ["SH-XTD", "上海新天地店"],
      ["SH-JAC", "上海静安寺店"],
      ["HZ-WLH", "杭州西湖店"],
      ["NJ-XJK", "南京新街口店"],
    ],
  },
  {
    code: "SOUTH",
    name: "华南大区 South China",
    stores: [
      ["SZ-HAC", "深圳海岸城店"],
      ["GZ-TH", "广州天河店"],
      ["GZ-BJL", "广州北京路店"],
      ["XM-ZS", "厦门中山路店"],
    ],
  },
  {
    code: "NORTH",
    name: "华北大区 North China",
    stores: [
      ["BJ-SLT", "北京三里屯店"],
      ["BJ-GM", "北京国贸店"],
      ["TJ-BH", "天津滨海店"],
      ["QD-WS", "青岛五四广场店"],
    ],
  },
] as const;

export const SURNAMES = [
  "王",
  "李",
  "张",
  "刘",
  "陈",
  "杨",
  "黄",
  "赵",
  "吴",
  "周",
  "徐",
  "孙",
  "马",
  "朱",
  "胡",
  "郭",
  "何",
  "林",
  "罗",
  "高",
];
export const GIVEN_NAMES = [
  "子涵",
  "欣怡",
  "梓萱",
  "思雨",
  "浩然",
  "宇轩",
  "雨桐",
  "一诺",
  "佳怡",
  "俊杰",
  "嘉怡",
  "晨曦",
  "诗涵",
  "梓轩",
  "可馨",
  "明轩",
  "若曦",
  "天佑",
  "语桐",
  "博文",
];

/** Where cards are opened, and how often (store QR codes and the mini-program dominate, per the seeds). */
export const JOIN_CHANNELS = [
  ["store_qr", 40],
  ["mini_program", 35],
  ["pos", 15],
  ["web", 10],
] as const;

/** Order channels: "global order to points" collects every one of them. */
export const ORDER_CHANNELS = [
  ["pos", 45],
  ["mini_program", 35],
  ["tmall", 10],
  ["jd", 5],
  ["meituan", 5],
] as const;

export const PRODUCTS = [
  { sku: "TEA-GRAPE", name: "多肉葡萄 Cheezo Grape", category: "fruit_tea", price_minor: 2900 },
  { sku: "TEA-PEACH", name: "芝芝桃桃 Cheezo Peach", category: "fruit_tea", price_minor: 2800 },
  { sku: "TEA-MANGO", name: "芝芝芒芒 Cheezo Mango", category: "fruit_tea", price_minor: 2700 },
  { sku: "MILK-BOBA", name: "烤黑糖波波牛乳 Brown Sugar Boba Milk", category: "milk_tea", price_minor: 1900 },
  { sku: "MILK-JASMINE", name: "茉莉奶绿 Jasmine Milk Tea", category: "milk_tea", price_minor: 1700 },
  { sku: "PURE-JASMINE", name: "纯绿妍 Pure Jasmine Green", category: "pure_tea", price_minor: 1200 },
  { sku: "BAKE-EGGTART", name: "葡式蛋挞 Egg Tart", category: "bakery", price_minor: 900 },
  { sku: "BAKE-BUN", name: "芋泥麻薯包 Taro Mochi Bun", category: "bakery", price_minor: 1600 },
  { sku: "GIFT-CUP", name: "联名随行杯 Tumbler", category: "merch", price_minor: 8800 },
  { sku: "GIFT-BOX", name: "茶礼盒 Tea Gift Box", category: "merch", price_minor: 16800 },
] as const;
