// `node --import ./bench/probes/loop-lag.ts …` (or BENCH_SERVER_FLAGS="--import ./bench/probes/loop-lag.ts"):
// prints each event-loop stall over LOOP_LAG_MS (default 15) with its wall-clock time to stderr, so stalls seen by
// the load generator can be matched against the server's (and the generator's own) blocked loops.
const threshold = Number(process.env.LOOP_LAG_MS ?? 15);
const tick = 5;
let expected = performance.now() + tick;
const timer = setInterval(() => {
  const now = performance.now();
  const lag = now - expected;
  if (lag > threshold)
    process.stderr.write(
      `loop-lag pid=${process.pid} at=${new Date().toISOString()} lag_ms=${lag.toFixed(1)}\n`,
    );
  expected = now + tick;
}, tick);
timer.unref();
