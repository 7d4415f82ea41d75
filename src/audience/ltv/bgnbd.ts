import { minimize } from "./optimize.ts";
import { hyp2f1, lgamma, logAddExp } from "./special.ts";

/**
 * The BG/NBD model (Fader, Hardie & Lee, "Counting Your Customers the Easy Way", Marketing Science 2005), pure.
 * While alive, a customer buys at rate λ ~ Gamma(r, α); after each purchase they drop out with probability
 * p ~ Beta(a, b). A customer is summarised by x (repeat purchases), t_x (time of the last purchase) and T (time
 * since the first purchase), all counted from the first purchase; time is in any unit (we use weeks).
 */

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface RecencyFrequency {
  /** Repeat purchases (purchase days after the first). */
  x: number;
  /** Time of the last purchase since the first. */
  t_x: number;
  /** Time since the first purchase. */
  T: number;
}

/** Customers with the same (x, t_x, T), counted: likelihoods are sums, so identical customers are one term. */
export interface WeightedRecencyFrequency extends RecencyFrequency {
  weight: number;
}

export function compress(customers: readonly RecencyFrequency[]): WeightedRecencyFrequency[] {
  const groups = new Map<string, WeightedRecencyFrequency>();
  for (const c of customers) {
    const key = `${c.x}|${c.t_x}|${c.T}`;
    const group = groups.get(key);
    if (group) group.weight++;
    else groups.set(key, { ...c, weight: 1 });
  }
  return [...groups.values()];
}

/**
 * The log-likelihood (eq. 6 of the paper, in logs): ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
 * + ln[(α+T)^−(r+x) + δ(x>0) · a/(b+x−1) · (α+t_x)^−(r+x)]. The Γ and B terms depend only on x, so they are
 * computed once per distinct x per evaluation.
 */
export function bgnbdLogLikelihood(params: BgNbdParams, data: readonly WeightedRecencyFrequency[]): number {
  const { r, alpha, a, b } = params;
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) return -Infinity;
  const byX = new Map<number, number>();
  const base = lgamma(a + b) - lgamma(b) - lgamma(r) + r * Math.log(alpha);
  const logA = Math.log(a);
  let total = 0;
  for (const c of data) {
    let shared = byX.get(c.x);
    if (shared === undefined) {
      shared = base + lgamma(r + c.x) + lgamma(b + c.x) - lgamma(a + b + c.x);
      byX.set(c.x, shared);
    }
    const rx = r + c.x;
    const stillAlive = -rx * Math.log(alpha + c.T);
    const droppedOut = c.x > 0 ? logA - Math.log(b + c.x - 1) - rx * Math.log(alpha + c.t_x) : -Infinity;
    total += c.weight * (shared + logAddExp(stillAlive, droppedOut));
  }
  return total;
}

export interface BgNbdFit {
  params: BgNbdParams;
  log_likelihood: number;
  customers: number;
  evaluations: number;
  converged: boolean;
}

/** Maximum likelihood over log-parameters (so every point tried is a valid model). */
export function fitBgNbd(data: readonly WeightedRecencyFrequency[]): BgNbdFit {
  const customers = data.reduce((sum, c) => sum + c.weight, 0);
  const meanT = data.reduce((sum, c) => sum + c.weight * c.T, 0) / Math.max(1, customers);
  // α is a time scale: starting near the data's own scale saves the optimiser a long walk.
  const start = [0, Math.log(Math.max(meanT, 1e-3) / 4), 0, 0];
  const toParams = (v: readonly number[]): BgNbdParams => ({
    r: Math.exp(v[0] ?? 0),
    alpha: Math.exp(v[1] ?? 0),
    a: Math.exp(v[2] ?? 0),
    b: Math.exp(v[3] ?? 0),
  });
  const result = minimize((v) => -bgnbdLogLikelihood(toParams(v), data), start, { initialStep: 1 });
  return {
    params: toParams(result.x),
    log_likelihood: -result.value,
    customers,
    evaluations: result.evaluations,
    converged: result.converged,
  };
}

/** P(alive | x, t_x, T): one purchase-free stretch since t_x, weighed against dropping out at the last purchase. */
export function probabilityAlive(params: BgNbdParams, c: RecencyFrequency): number {
  if (c.x === 0) return 1;
  const { r, alpha, a, b } = params;
  const logOdds =
    Math.log(a) - Math.log(b + c.x - 1) + (r + c.x) * (Math.log(alpha + c.T) - Math.log(alpha + c.t_x));
  return 1 / (1 + Math.exp(logOdds));
}

/**
 * E[purchases in (T, T + t] | x, t_x, T] (eq. 10 of the paper). The paper's 2F1(r+x, b+x; a+b+x−1; z) with
 * z = t/(α+T+t) converges slowly as z → 1 and its terms grow huge for large x; Euler's transformation
 * 2F1(A,B;C;z) = (1−z)^(C−A−B) 2F1(C−A, C−B; C; z) turns ((α+T)/(α+T+t))^(r+x) · 2F1(…) into
 * (1−z)^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z), whose terms shrink quickly and never overflow.
 */
export function expectedPurchases(params: BgNbdParams, t: number, c: RecencyFrequency): number {
  const { r, alpha, b } = params;
  // The formula divides by a − 1; at a = 1 it has a finite limit, approached from a hair away.
  const a = Math.abs(params.a - 1) < 1e-9 ? 1 + 1e-9 : params.a;
  if (t <= 0) return 0;
  const z = t / (alpha + c.T + t);
  const series = hyp2f1(a + b - 1 - r, a - 1, a + b + c.x - 1, z);
  const bracket = 1 - Math.exp((a - 1) * Math.log1p(-z)) * series;
  const head = (a + b + c.x - 1) / (a - 1);
  const odds =
    c.x > 0
      ? Math.exp(
          Math.log(a) - Math.log(b + c.x - 1) + (r + c.x) * (Math.log(alpha + c.T) - Math.log(alpha + c.t_x)),
        )
      : 0;
  return (head * bracket) / (1 + odds);
}

/** E[X(t)] for a customer just acquired: the expected repeat purchases in their first t (the model's curve). */
export function expectedPurchasesNew(params: BgNbdParams, t: number): number {
  return expectedPurchases(params, t, { x: 0, t_x: 0, T: 0 });
}
