/**
 * Orders two plugin versions of the form major.minor.patch, as the gate plugin's plugin.toml writes
 * them: negative when `a` is older, 0 when equal, positive when newer. Undefined when either is not
 * of that form (a hand-edited or foreign plugin), so the caller cannot mistake it for older or newer.
 */
export function compareVersions(a: string, b: string): number | undefined {
  const left = parts(a)
  const right = parts(b)
  if (left === undefined || right === undefined) return undefined
  for (let index = 0; index < 3; index++) {
    const difference = left[index]! - right[index]!
    if (difference !== 0) return Math.sign(difference)
  }
  return 0
}

function parts(version: string): number[] | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version.trim())
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined
}
