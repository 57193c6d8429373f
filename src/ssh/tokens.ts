import path from 'node:path'

/** What `%` tokens stand for when ssh_config paths are expanded (ssh_config(5) TOKENS). */
export interface TokenValues {
  /** %d: the local home directory (also what `~` means). */
  homeDir: string
  /** %u: the local user name. */
  localUser: string
  /** %i: the local user id. */
  localUid: string
  /** %L and %l: this machine's host name, short and full. */
  localHostShort: string
  localHost: string
  /** %h: the remote host name (after HostName). */
  host: string
  /** %n: the host as given, before HostName. */
  originalHost: string
  /** %p and %r: the remote port and user. */
  port: string
  user: string
}

/** A token ssh knows that graduate does not expand: the path cannot be resolved as ssh would. */
export class UnsupportedTokenError extends Error {}

const tokenOf: Record<string, keyof TokenValues> = {
  d: 'homeDir',
  u: 'localUser',
  i: 'localUid',
  L: 'localHostShort',
  l: 'localHost',
  h: 'host',
  n: 'originalHost',
  p: 'port',
  r: 'user',
}

/** HostName takes only `%h` (the name as given) and `%%`. */
export function expandHostName(hostName: string, originalHost: string): string {
  return hostName.replace(/%([%h])/g, (_whole, token: string) => (token === 'h' ? originalHost : '%'))
}

/** Expands `%x` tokens; `%%` is a literal `%`. Throws UnsupportedTokenError for any other token. */
export function expandTokens(text: string, values: Partial<TokenValues>): string {
  return text.replace(/%(.?)/g, (whole, letter: string) => {
    if (letter === '%') return '%'
    const name = tokenOf[letter]
    const value = name === undefined ? undefined : values[name]
    if (value === undefined) throw new UnsupportedTokenError(`${whole} is not supported here`)
    return value
  })
}

/**
 * A path as ssh expands it: `~` first, then `%` tokens, then `${VAR}` from the environment. Another
 * user's `~name` is not supported. Relative paths start at `base`.
 */
export function expandPath(text: string, values: Partial<TokenValues> & {homeDir: string}, base: string, env: NodeJS.ProcessEnv): string {
  let expanded = text
  if (expanded === '~' || expanded.startsWith('~/')) expanded = values.homeDir + expanded.slice(1)
  else if (expanded.startsWith('~')) throw new UnsupportedTokenError(`${expanded.split('/')[0]} (another user's home) is not supported`)
  expanded = expandTokens(expanded, values).replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_whole, name: string) => {
    const value = env[name]
    if (value === undefined) throw new UnsupportedTokenError(`\${${name}} is not set in the environment`)
    return value
  })
  return path.resolve(base, expanded)
}
