import {distance} from 'fastest-levenshtein'

/**
 * The candidate the reader most likely meant, if one is close: `hots` → `host`, `prod` → `production`.
 * Short words get two edits (a swapped pair of letters is two), longer ones a third of their length;
 * a prefix of three letters or more counts as close (`prod` → `production`).
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  const wanted = input.toLowerCase()
  let best: {candidate: string; score: number} | undefined
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase()
    const isPrefix = Math.min(wanted.length, lower.length) >= 3 && (lower.startsWith(wanted) || wanted.startsWith(lower))
    const score = isPrefix ? 1 : distance(wanted, lower)
    if (score <= Math.max(2, Math.floor(candidate.length / 3)) && (best === undefined || score < best.score)) {
      best = {candidate, score}
    }
  }
  return best?.candidate
}

/** `did you mean "host"?` when one is close, otherwise the full list of what is allowed. */
export function suggestion(input: string, candidates: readonly string[], listIntro: string): string {
  const match = closestMatch(input, candidates)
  if (match !== undefined) return `did you mean ${JSON.stringify(match)}?`
  return candidates.length === 0 ? `${listIntro}: none` : `${listIntro}: ${candidates.join(', ')}`
}
