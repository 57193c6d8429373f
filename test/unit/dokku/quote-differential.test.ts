import {describe, expect, it} from 'vitest'

import type {DokkuCommand} from '../../../src/dokku/command.js'
import {run} from '../../../src/dokku/commands/core.js'
import {gateUnlock} from '../../../src/dokku/commands/gate.js'
import {explainUnsafeArgument, renderCommand} from '../../../src/dokku/quote.js'
import {UnsafeArgumentError} from '../../../src/errors.js'
import {dokkuArgv, firstSplit, gitPath, takesGitPath, xargsPath} from './dokku-ssh-parsing.js'

/*
 * Differential tests: every rendered string goes through the pipeline a real Dokku host runs on it
 * (dokku-ssh-parsing.ts), and what comes out must be exactly the argv that went in.
 */

const TRICKY_ARGUMENTS = [
  'hello world',
  "it's",
  'say "hi"',
  `mixed 'single' and "double"`,
  "'",
  '"',
  '\\',
  'back\\slash',
  'trailing backslash\\',
  '\\n is not a newline',
  '$HOME',
  '$(id -u)',
  '`id -u`',
  '${PATH:-x}',
  '*',
  '?',
  '[a-z]',
  '{a,b}',
  '~',
  '~root/x',
  '#not a comment',
  ';',
  '&& || | > <',
  '!',
  '%',
  '_',
  'tab\there',
  '\ttab first',
  'carriage\rreturn',
  ' leading space',
  'trailing space ',
  '   ',
  '',
  'unicode ✓ café 日本語',
  'emoji 😀',
  '-c',
  '-x',
  '-',
  '--',
  '--format',
  '--no-restart',
  '-nx',
  '-en-',
  '-n x',
  'x -n',
  '--quiet-ish',
  '--label=x',
  'A=hello world',
  "a'b\"c\\d$e`f",
  'rake --trace db:migrate',
  'deploy --app other --force now',
  'x\t--quiet\ty',
  'docker run --label=com.example.x=1 img',
] as const

const GLOBAL_FLAGS = new Set(['--quiet', '--trace', '--force', '--app'])

/** The global flags Dokku's parse_args would act on among the first split's words. */
function flagWordsSeenFirst(sent: string): string[] {
  return firstSplit(sent).filter((word) => GLOBAL_FLAGS.has(word))
}

/** The naive rendering the refusals are measured against: POSIX quoting and nothing else. */
function posixQuoted(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`
}

describe('rendered commands survive Dokku’s SSH parsing unchanged', () => {
  it.each(TRICKY_ARGUMENTS.map((arg) => [arg]))('%j arrives as one unchanged argument', (arg) => {
    const command: DokkuCommand = {argv: ['config:set', '--no-restart', 'api', arg, 'end']}
    const sent = renderCommand(command)

    expect(dokkuArgv(sent)).toEqual(command.argv)
    expect(flagWordsSeenFirst(sent)).toEqual([])
  })

  it('carries the whole corpus in one command', () => {
    const command: DokkuCommand = {argv: ['probe:args', ...TRICKY_ARGUMENTS]}
    expect(dokkuArgv(renderCommand(command))).toEqual(command.argv)
  })

  it.each([
    ['bundle exec rake db:migrate'],
    [`echo "it's $(date +%s)" && printf '%s\\n' a b | tr a-z A-Z`],
    ['rake --trace db:migrate'],
    ['./bin/migrate --app api --force --quiet ; echo done'],
    ['docker-entrypoint --label=tier=db migrate'],
  ])('delivers the hook command %j to `run` as one /bin/sh -c argument', (hook) => {
    const command = run('api', hook, {env: {GRADUATE_ID: '20261123T101500Z-3f9a', GRADUATE_NOTE: 'two words'}})
    const sent = renderCommand(command)

    expect(dokkuArgv(sent)).toEqual(command.argv)
    expect(dokkuArgv(sent).slice(-3)).toEqual(['/bin/sh', '-c', hook])
    expect(flagWordsSeenFirst(sent)).toEqual([])
  })

  it('renders global flags first and bare, where Dokku reads them before the command word', () => {
    const sent = renderCommand({argv: ['apps:list', '--format', 'json'], globalFlags: ['--quiet']})

    expect(sent).toBe('--quiet apps:list --format json')
    expect(firstSplit(sent)[0]).toBe('--quiet')
    expect(dokkuArgv(sent)).toEqual(['--quiet', 'apps:list', '--format', 'json'])
  })

  it('passes a deliberate subcommand flag through to the gate', () => {
    const command = gateUnlock('production', '20261123T101500Z-3f9a', {force: true})
    expect(dokkuArgv(renderCommand(command))).toEqual(['graduate:unlock', 'production', '20261123T101500Z-3f9a', '--force'])
  })

  it('sends bare words to commands whose name contains "git", which Dokku only splits', () => {
    for (const command of [
      {argv: ['git:report', 'api', '--format', 'json']},
      {argv: ['git:from-image', 'api', 'registry.example.com/api@sha256:0123abcd']},
      {argv: ['git:report', 'api'], globalFlags: ['--quiet']},
    ] satisfies DokkuCommand[]) {
      const sent = renderCommand(command)
      expect(takesGitPath(sent)).toBe(true)
      expect(dokkuArgv(sent)).toEqual([...(command.globalFlags ?? []), ...command.argv])
    }
  })
})

describe('refused arguments, with what Dokku would have done to them', () => {
  it.each([
    ['-n', ['probe', 'before', 'after']],
    ['-e', ['probe', 'before', '', 'after']],
    ['-E', ['probe', 'before', '', 'after']],
    ['-ne', ['probe', 'before', 'after']],
    ['-eEn', ['probe', 'before', 'after']],
  ])('/bin/echo eats a lone %j', (token, delivered) => {
    expect(xargsPath(`probe before ${posixQuoted(token)} after`)).toEqual(delivered)

    expect(explainUnsafeArgument(token)).toMatch(/\/bin\/echo, which would swallow a lone/)
    expect(() => renderCommand({argv: ['probe', 'before', token, 'after']})).toThrow(UnsafeArgumentError)
  })

  it.each([
    ['--help', /^Usage: echo/],
    ['--version', /^echo \(GNU coreutils\)/],
  ])('/bin/echo replaces a lone %j with its own text', (token, text) => {
    const delivered = xargsPath(`probe ${posixQuoted(token)}`)

    expect(delivered.length).toBeGreaterThan(2)
    expect(delivered[1]).toMatch(text)
    expect(explainUnsafeArgument(token)).toMatch(/would replace a lone/)
    expect(() => renderCommand({argv: ['probe', token]})).toThrow(UnsafeArgumentError)
  })

  it('xargs cannot carry a newline: the quoted argument breaks the whole command', () => {
    const delivered = xargsPath(`probe ${posixQuoted('echo a\necho b')} after`)

    expect(delivered).not.toContain('echo a\necho b')
    expect(delivered).not.toContain('after')
    expect(explainUnsafeArgument('echo a\necho b')).toMatch(/newline/)
    expect(() => renderCommand(run('api', 'echo a\necho b'))).toThrow(/newline/)
  })

  it.each([['--quiet'], ['--trace'], ['--force'], ['--app']])(
    'a lone %j reaches parse_args as the exact flag word, and Dokku acts on it (observed §7: `--trace` turned on tracing)',
    (flag) => {
      expect(xargsPath(`run api /bin/sh -c ${posixQuoted(flag)}`)).toContain(flag)

      expect(explainUnsafeArgument(flag)).toMatch(/global flag/)
      expect(() => renderCommand(run('api', flag))).toThrow(UnsafeArgumentError)
    },
  )

  it('an inner flag word of a quoted argument reaches parse_args through the first split unless it is broken up', () => {
    const hook = 'rake --trace db:migrate --label=x'
    const naive = `run --no-tty api /bin/sh -c ${posixQuoted(hook)}`

    expect(firstSplit(naive)).toContain('--trace')
    expect(firstSplit(naive)).toContain('--label=x\'')
    expect(xargsPath(naive).at(-1)).toBe(hook)

    const sent = renderCommand(run('api', hook))
    expect(flagWordsSeenFirst(sent)).toEqual([])
    expect(firstSplit(sent).filter((word) => word.startsWith('--label'))).toEqual([])
    expect(dokkuArgv(sent).at(-1)).toBe(hook)
  })

  it('the git path keeps quotes and splits at blanks, so only bare words get through', () => {
    expect(gitPath(`git:report ${posixQuoted('api')} --git-sha`)).toEqual(['git:report', "'api'", '--git-sha'])
    expect(gitPath(`git:from-image api ${posixQuoted('my image')}`)).toEqual(['git:from-image', 'api', "'my", "image'"])

    expect(() => renderCommand({argv: ['git:from-image', 'api', 'my image']})).toThrow(/contains "git"/)
    expect(() => renderCommand({argv: ['git:report', 'api', '']})).toThrow(UnsafeArgumentError)
  })
})
