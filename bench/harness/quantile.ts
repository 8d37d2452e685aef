/** The `q` quantile (0 to 1) of the ascending `sorted`, the nearest rank at or below; `empty` when there are none. */
export function quantile(sorted: readonly number[], q: number, empty = Number.NaN): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? empty;
}
