/**
 * OpenSSH's pattern matching (match.c), shared by `Host` lines in ssh_config and host fields in
 * known_hosts: `*` matches any run of characters, `?` exactly one, everything else itself.
 */

export function matchPattern(text: string, pattern: string): boolean {
  let t = 0
  let p = 0
  let starP = -1
  let starT = 0
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      t++
      p++
    } else if (p < pattern.length && pattern[p] === '*') {
      starP = p++
      starT = t
    } else if (starP !== -1) {
      p = starP + 1
      t = ++starT
    } else {
      return false
    }
  }
  while (pattern[p] === '*') p++
  return p === pattern.length
}

/**
 * A pattern list (`a,b,!c`): true when some pattern matches and no negated one does — a matching
 * negation rules the text out whatever else matches (match_pattern_list, and readconf's `Host`).
 */
export function matchPatternList(text: string, patterns: string[], options: {ignoreCase?: boolean} = {}): boolean {
  const subject = options.ignoreCase ? text.toLowerCase() : text
  let matched = false
  for (const entry of patterns) {
    const negated = entry.startsWith('!')
    const pattern = negated ? entry.slice(1) : entry
    if (!matchPattern(subject, options.ignoreCase ? pattern.toLowerCase() : pattern)) continue
    if (negated) return false
    matched = true
  }
  return matched
}
