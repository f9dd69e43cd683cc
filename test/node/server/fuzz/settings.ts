import fc from 'fast-check';

/** Seed of every run unless PIN_FUZZ_SEED says otherwise: a failure replays with the same cases. */
const DEFAULT_SEED = 20_260_415;

export interface FuzzSettings {
  seed: number;
  /** Cases to run across the phases, and the count a run must reach. */
  cases: number;
  http: number;
  upgrade: number;
  frames: number;
}

/** Seed and case counts: PIN_FUZZ_SEED and the variable `casesVariable` override the defaults. */
export function fuzzSettings(defaultCases: number, casesVariable = 'PIN_FUZZ_CASES'): FuzzSettings {
  const seed = Number(process.env.PIN_FUZZ_SEED || DEFAULT_SEED);
  const cases = Number(process.env[casesVariable] || defaultCases);
  if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(cases) || cases <= 0) {
    throw new Error(`PIN_FUZZ_SEED and ${casesVariable} must be integers (cases above 0)`);
  }
  // Frames are the cheapest per case and the richest; upgrades cost a handshake and a signature check each.
  const upgrade = Math.round(cases * 0.03);
  const http = Math.round(cases * 0.2);
  return { seed, cases, http, upgrade, frames: cases - http - upgrade };
}

/**
 * `size` values of `arbitrary`, drawn once from `seed`, to pick from. Drawing
 * strings and JSON values costs tens of microseconds each; picking a drawn
 * one costs one, which is what lets a run reach 100,000 cases in its time.
 */
export function pooled<T>(arbitrary: fc.Arbitrary<T>, size: number, seed: number): fc.Arbitrary<T> {
  return fc.constantFrom(...fc.sample(arbitrary, { seed, numRuns: size }));
}
