// An ECharts chart, with ECharts itself loaded on first use so pages without charts never download it.
import { useEffect, useRef } from "react";
import type { EChartsCoreOption } from "echarts/core";
import type { echarts as EChartsNamespace } from "./echarts.ts";

interface EChartsModule {
  echarts: typeof EChartsNamespace;
}
let loading: Promise<EChartsModule> | undefined;
const loadECharts = () => (loading ??= import("./echarts.ts"));

/** Starts fetching ECharts now: a page that will draw charts calls it so the download overlaps its API calls. */
export function preloadCharts(): void {
  void loadECharts();
}

export function Chart(props: { option: EChartsCoreOption; height?: number; testId?: string }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<{ setOption(o: EChartsCoreOption, notMerge: boolean): void; dispose(): void } | null>(
    null,
  );
  useEffect(() => {
    let cancelled = false;
    let observer: ResizeObserver | undefined;
    void loadECharts().then(({ echarts }) => {
      if (cancelled || !element.current) return;
      const instance = echarts.init(element.current, undefined, { renderer: "canvas" });
      chart.current = instance;
      instance.setOption(props.option, true);
      observer = new ResizeObserver(() => instance.resize());
      observer.observe(element.current);
    });
    return () => {
      cancelled = true;
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
    // The chart is created once with the first option; later options are applied by the effect below.
  }, []);
  useEffect(() => {
    chart.current?.setOption(props.option, true);
  }, [props.option]);
  return (
    <div ref={element} data-testid={props.testId} style={{ width: "100%", height: props.height ?? 280 }} />
  );
}
