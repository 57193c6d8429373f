import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/*
 * The steps a real Dokku host applies to the string graduate sends (the `dokku` script, lines 70–123
 * at v0.38.27), run with this machine's bash, GNU xargs and coreutils /bin/echo — the same programs a
 * Debian Dokku host uses — so the tests check behaviour, not a re-implementation of it.
 */

function nulSeparated(output: Buffer): string[] {
  const text = output.toString('utf8')
  return text === '' ? [] : text.slice(0, -1).split('\0')
}

/**
 * The re-parse of a command whose word does not contain "git", exactly as Dokku runs it:
 * `readarray -t a < <(printf '%s' "$SSH_ORIGINAL_COMMAND" | xargs -n 1)`.
 */
export function xargsPath(sent: string): string[] {
  const output = execFileSync(
    'bash',
    ['-c', 'readarray -t a < <(printf "%s" "$1" | xargs -n 1); (( ${#a[@]} )) && printf "%s\\0" "${a[@]}"; true', '_', sent],
    {stdio: ['ignore', 'pipe', 'ignore']},
  )
  return nulSeparated(output)
}

/** The re-parse of a command whose word contains "git": `set -f; $0 $SSH_ORIGINAL_COMMAND` (split only). */
export function gitPath(sent: string): string[] {
  const output = execFileSync('bash', ['-c', 'set -f; words=($1); printf "%s\\0" "${words[@]}"', '_', sent])
  return nulSeparated(output)
}

/**
 * The words Dokku's `parse_args` scans first: sshd's forced command expands $SSH_ORIGINAL_COMMAND
 * unquoted, so the login shell splits it at blanks and expands globs (here in an empty directory, where
 * a glob matches nothing and stays as written).
 */
export function firstSplit(sent: string): string[] {
  const emptyDirectory = mkdtempSync(join(tmpdir(), 'graduate-first-split-'))
  try {
    const output = execFileSync('bash', ['-c', 'set -- $1; printf "%s\\0" "$@"', '_', sent], {cwd: emptyDirectory})
    return nulSeparated(output)
  } finally {
    rmSync(emptyDirectory, {recursive: true, force: true})
  }
}

/**
 * Whether Dokku takes the git path for a sent string: its leading `--` flags are dropped, then
 * `[[ $1 =~ git-* ]] || [[ $1 =~ git:* ]]` tests the command word (unanchored regexes).
 */
export function takesGitPath(sent: string): boolean {
  const script = [
    'set -f; set -- $1',
    'if [[ "$1" =~ ^--.* ]]; then for arg in "$@"; do if [[ "$arg" =~ ^--.* ]]; then shift 1; else break; fi; done; fi',
    '[[ $1 =~ git-* ]] || [[ $1 =~ git:* ]]',
  ].join('\n')
  try {
    execFileSync('bash', ['-c', script, '_', sent])
    return true
  } catch {
    return false
  }
}

/** The argv Dokku's command dispatch finally receives for a sent string. */
export function dokkuArgv(sent: string): string[] {
  return takesGitPath(sent) ? gitPath(sent) : xargsPath(sent)
}
