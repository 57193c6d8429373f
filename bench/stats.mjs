// Summaries over runs: min / median / max.

export function summarise(values) {
  const numbers = values.filter((value) => typeof value === 'number' && Number.isFinite(value)).sort((a, b) => a - b)
  if (numbers.length === 0) return null
  const middle = Math.floor(numbers.length / 2)
  const median = numbers.length % 2 ? numbers[middle] : (numbers[middle - 1] + numbers[middle]) / 2
  return {min: numbers[0], median, max: numbers.at(-1), n: numbers.length}
}

export function median(values) {
  return summarise(values)?.median ?? null
}
