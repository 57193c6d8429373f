import fs from 'node:fs'
import path from 'node:path'
import {type Line, LineType, parse} from 'ssh-config'
import {displayPath} from './display-path.js'
import {matchPattern, matchPatternList} from './patterns.js'
import {expandHostName} from './tokens.js'

/**
 * What ssh_config files say about one destination, decided the way OpenSSH's readconf.c does: files in
 * order (the user's, then the system's), `Host`/`Match` sections applying while their patterns match,
 * the FIRST value of each option winning (IdentityFile accumulates), and `Include` read in place with
 * the including section's state. Parsing (quotes, `=`, multi-value options) is the `ssh-config`
 * package's; the evaluation is here because that package's own `compute()` does not read `Include`,
 * lets `?` match nothing, and would run `Match exec` commands.
 */

export interface SshConfigQuery {
  /** The destination as given (`ssh <destination>`): an alias or an address. `Host` patterns match it. */
  host: string
  /** The user decided before the files are read (the manifest's, like `ssh -l`), for `Match user`. */
  user: string | undefined
  /** The user `Match user` sees when no one has set one. */
  defaultUser: string
  localUser: string
  homeDir: string
}

export interface SshConfigValues {
  /** Lowercased option name → the words of its first value (HostName, Port, ProxyJump…). */
  options: Map<string, string[]>
  /** Every IdentityFile, in the order read. */
  identityFiles: string[]
  /** Which file each option's winning value came from, for messages. */
  sources: Map<string, string>
  /** Files read, in order (missing ones are skipped, as ssh does). */
  files: string[]
  /** What graduate could not evaluate as ssh would; a connection to this host is refused while any remain. */
  problems: string[]
}

const maxIncludeDepth = 16

/** A config file to read; a relative `Include` in it starts at ~/.ssh, or at /etc/ssh for the system's. */
export interface SshConfigFile {
  file: string
  system: boolean
}

export function readSshConfig(files: SshConfigFile[], query: SshConfigQuery): SshConfigValues {
  const values: SshConfigValues = {options: new Map(), identityFiles: [], sources: new Map(), files: [], problems: []}
  const reader = new ConfigReader(query, values)
  for (const {file, system} of files) reader.readFile(file, true, 0, system ? '/etc/ssh' : path.join(query.homeDir, '.ssh'))
  return values
}

class ConfigReader {
  constructor(
    private readonly query: SshConfigQuery,
    private readonly values: SshConfigValues,
  ) {}

  /** `includeBase` is where a relative Include starts: ~/.ssh for the user's files, /etc/ssh for the system's. */
  readFile(file: string, active: boolean, depth: number, includeBase: string): void {
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return
      this.values.problems.push(`cannot read ${displayPath(file)} (${code ?? (error as Error).message})`)
      return
    }
    this.values.files.push(file)
    let lines: Line[]
    try {
      lines = parse(text)
    } catch (error) {
      this.values.problems.push(`${displayPath(file)} is not a valid ssh_config file: ${(error as Error).message}`)
      return
    }
    const context = {file, depth, includeBase}
    for (const line of lines) {
      if (line.type !== LineType.DIRECTIVE) continue
      const keyword = line.param.toLowerCase()
      if ((keyword === 'host' || keyword === 'match') && 'config' in line) {
        const sectionActive = active && (keyword === 'host' ? this.hostMatches(words(line.value)) : this.matchMatches(words(line.value), file))
        for (const inner of line.config) {
          if (inner.type === LineType.DIRECTIVE) this.apply(inner.param, words(inner.value), sectionActive, context)
        }
      } else {
        this.apply(line.param, words(line.value), active, context)
      }
    }
  }

  private apply(param: string, args: string[], active: boolean, context: {file: string; depth: number; includeBase: string}): void {
    const keyword = param.toLowerCase()
    if (keyword === 'include') {
      // An Include inside a section that does not apply still must not make its sections apply.
      if (context.depth >= maxIncludeDepth) {
        this.values.problems.push(`Include nested more than ${maxIncludeDepth} deep in ${displayPath(context.file)}`)
        return
      }
      for (const pattern of args) {
        for (const included of this.expandInclude(pattern, context.includeBase)) this.readFile(included, active, context.depth + 1, context.includeBase)
      }
      return
    }
    if (!active || args.length === 0) return
    if (keyword === 'identityfile') {
      this.values.identityFiles.push(args[0]!)
      return
    }
    // ProxyJump and ProxyCommand exclude each other: whichever comes first wins (readconf.c).
    const slot = keyword === 'proxyjump' || keyword === 'proxycommand' ? 'proxy' : keyword
    if (this.values.sources.has(slot)) return
    this.values.sources.set(slot, context.file)
    this.values.options.set(keyword, args)
  }

  private hostMatches(patterns: string[]): boolean {
    return matchPatternList(this.query.host, patterns)
  }

  /** `Match` criteria, left to right; one that fails ends the line. Criteria graduate cannot evaluate are problems when reached. */
  private matchMatches(criteria: string[], file: string): boolean {
    for (let index = 0; index < criteria.length; index++) {
      const word = criteria[index]!
      const negated = word.startsWith('!')
      const criterion = (negated ? word.slice(1) : word).toLowerCase()
      if (criterion === 'all') {
        if (negated) return false
        continue
      }
      const argument = criteria[++index]
      let result: boolean
      switch (criterion) {
        case 'host':
          result = argument !== undefined && matchPatternList(this.hostName(), argument.split(','), {ignoreCase: true})
          break
        case 'originalhost':
          result = argument !== undefined && matchPatternList(this.query.host, argument.split(','), {ignoreCase: true})
          break
        case 'user':
          result = argument !== undefined && matchPatternList(this.user(), argument.split(','))
          break
        case 'localuser':
          result = argument !== undefined && matchPatternList(this.query.localUser, argument.split(','))
          break
        default:
          this.values.problems.push(`\`Match ${criteria.join(' ')}\` in ${displayPath(file)}: graduate cannot evaluate \`${criterion}\``)
          return false
      }
      if (result === negated) return false
    }
    return true
  }

  /** What `Match host` sees: HostName once a section has set it (expanded), else the name as given (readconf.c). */
  private hostName(): string {
    const hostName = this.values.options.get('hostname')?.[0]
    return hostName === undefined ? this.query.host : expandHostName(hostName, this.query.host)
  }

  private user(): string {
    return this.query.user ?? this.values.options.get('user')?.[0] ?? this.query.defaultUser
  }

  /** Include's argument is a glob; wildcards are honoured in the last path component, which covers `config.d/*`. */
  private expandInclude(pattern: string, base: string): string[] {
    let expanded = pattern
    if (expanded === '~' || expanded.startsWith('~/')) expanded = this.query.homeDir + expanded.slice(1)
    const absolute = path.resolve(base, expanded)
    const directory = path.dirname(absolute)
    const name = path.basename(absolute)
    if (!/[*?]/.test(name)) return [absolute]
    let entries: string[]
    try {
      entries = fs.readdirSync(directory)
    } catch {
      return []
    }
    return entries
      .filter((entry) => !entry.startsWith('.') && matchPattern(entry, name))
      .sort()
      .map((entry) => path.join(directory, entry))
  }
}

function words(value: string | Array<{val: string}>): string[] {
  return typeof value === 'string' ? [value] : value.map((part) => part.val)
}
