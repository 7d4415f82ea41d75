// The membership card's number as a QR code and a CODE128 barcode, drawn in the browser.
import JsBarcode from "jsbarcode";
import QRCode from "qrcode";
import { useEffect, useRef, useState } from "react";

export function QrCode(props: { value: string; size?: number; label?: string }) {
  const [src, setSrc] = useState<string>();
  useEffect(() => {
    let live = true;
    void QRCode.toDataURL(props.value, { margin: 1, width: props.size ?? 180 }).then((url) => {
      if (live) setSrc(url);
    });
    return () => {
      live = false;
    };
  }, [props.value, props.size]);
  return src ? (
    <img src={src} width={props.size ?? 180} height={props.size ?? 180} alt={props.label ?? props.value} />
  ) : null;
}

export function Barcode(props: { value: string; label?: string }) {
  const svg = useRef<SVGSVGElement>(null);
  useEffect(() => {
    if (svg.current)
      JsBarcode(svg.current, props.value, { format: "CODE128", height: 56, displayValue: true });
  }, [props.value]);
  return <svg ref={svg} role="img" aria-label={props.label ?? props.value} />;
}
