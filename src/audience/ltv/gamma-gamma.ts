import { minimize } from "./optimize.ts";
import { lgamma } from "./special.ts";

/**
 * The Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee 2005; Fader & Hardie, "The Gamma-Gamma Model
 * of Monetary Value", 2013), pure. A customer's purchases have values ~ Gamma(p, ν) with ν ~ Gamma(q, γ); it is
 * fitted on customers with repeat purchases, from x (their number) and m̄ (their average value).
 */

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export interface SpendSummary {
  /** Repeat purchases, at least 1. */
  x: number;
  /** Average value of those purchases, > 0. */
  mean_value: number;
  weight: number;
}

/**
 * Σ weight · [ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m̄ + px ln x − (px+q) ln(γ + x m̄)].
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, data: readonly SpendSummary[]): number {
  const { p, q, gamma } = params;
  if (!(p > 0 && q > 0 && gamma > 0)) return -Infinity;
  const constant = -lgamma(q) + q * Math.log(gamma);
  let total = 0;
  for (const c of data) {
    const px = p * c.x;
    total +=
      c.weight *
      (lgamma(px + q) -
        lgamma(px) +
        constant +
        (px - 1) * Math.log(c.mean_value) +
        px * Math.log(c.x) -
        (px + q) * Math.log(gamma + c.x * c.mean_value));
  }
  return total;
}

export interface GammaGammaFit {
  params: GammaGammaParams;
  log_likelihood: number;
  customers: number;
  evaluations: number;
  converged: boolean;
}

/**
 * Maximum likelihood in log space. Values are divided by their mean first (the model is scale-equivariant: p and
 * q do not change, γ scales with the values), so fen and dollars converge alike. Customers whose average is
 * not positive are left out.
 */
export function fitGammaGamma(all: readonly SpendSummary[]): GammaGammaFit {
  // Spend must be positive for a Gamma: customers whose repeat purchases were all free carry no information.
  const data = all.filter((c) => c.x >= 1 && c.mean_value > 0 && c.weight > 0);
  const customers = data.reduce((sum, c) => sum + c.weight, 0);
  const scale = data.reduce((sum, c) => sum + c.weight * c.mean_value, 0) / Math.max(1, customers) || 1;
  const scaled = data.map((c) => ({ ...c, mean_value: c.mean_value / scale }));
  const toParams = (v: readonly number[]): GammaGammaParams => ({
    p: Math.exp(v[0] ?? 0),
    q: Math.exp(v[1] ?? 0),
    gamma: Math.exp(v[2] ?? 0),
  });
  const result = minimize((v) => -gammaGammaLogLikelihood(toParams(v), scaled), [0, 0, 0], {
    initialStep: 1,
  });
  const fitted = toParams(result.x);
  const params = { ...fitted, gamma: fitted.gamma * scale };
  return {
    params,
    log_likelihood: gammaGammaLogLikelihood(params, data),
    customers,
    evaluations: result.evaluations,
    converged: result.converged,
  };
}

/** E[M | x, m̄]: the customer's expected value per purchase, shrunk from m̄ towards the population mean pγ/(q−1). */
export function expectedOrderValue(
  params: GammaGammaParams,
  x: number,
  meanValue: number,
): number | undefined {
  const { p, q, gamma } = params;
  if (x === 0) return q > 1 ? (p * gamma) / (q - 1) : undefined;
  const denominator = p * x + q - 1;
  return denominator > 0 ? (p * (gamma + x * meanValue)) / denominator : undefined;
}
