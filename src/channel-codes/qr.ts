import QRCode from "qrcode";

/** QR images for print: error correction M survives a crease or a smudge; sizes bounded. */
export const QR_SIZE_MIN_PX = 128;
export const QR_SIZE_MAX_PX = 2048;

/** What the code encodes: the member center's join page with the brand and the scene. */
export function joinUrl(publicUrl: string, brandSlug: string, sceneKey: string): string {
  const params = new URLSearchParams({ brand: brandSlug, scene: sceneKey });
  return `${publicUrl}/m/join?${params.toString()}`;
}

export async function qrPng(text: string, sizePx: number): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: "png", errorCorrectionLevel: "M", width: sizePx, margin: 2 });
}

export async function qrSvg(text: string, sizePx: number): Promise<string> {
  return QRCode.toString(text, { type: "svg", errorCorrectionLevel: "M", width: sizePx, margin: 2 });
}
