import {describe, expect, it} from 'vitest'

import {isExpectedExit, type DokkuCommand} from '../../../src/dokku/command.js'
import {displayCommand, explainUnsafeArgument, renderCommand} from '../../../src/dokku/quote.js'
import {ExitCode} from '../../../src/exit-codes.js'
import {UnsafeArgumentError} from '../../../src/errors.js'

function refusalOf(command: DokkuCommand): UnsafeArgumentError {
  try {
    renderCommand(command)
  } catch (error) {
    if (error instanceof UnsafeArgumentError) return error
    throw error
  }
  throw new Error(`expected ${JSON.stringify(command.argv)} to be refused`)
}

describe('renderCommand', () => {
  it('leaves plain words bare and quotes the rest POSIX-style', () => {
    expect(renderCommand({argv: ['config:set', '--no-restart', 'api', 'A=b']})).toBe('config:set --no-restart api A=b')
    expect(renderCommand({argv: ['config:set', '--no-restart', 'api', 'A=hello world', "B=it's", '']})).toBe(
      `config:set --no-restart api 'A=hello world' 'B=it'\\''s' ''`,
    )
  })

  it('splits inner global-flag words with an empty quote pair', () => {
    expect(renderCommand({argv: ['run', '--no-tty', 'api', '/bin/sh', '-c', 'rake --trace db:migrate']})).toBe(
      `run --no-tty api /bin/sh -c 'rake -''-trace db:migrate'`,
    )
  })

  it('names the refused argument, the reason in Dokku terms and what to do', () => {
    const error = refusalOf({argv: ['run', '--no-tty', 'api', '/bin/sh', '-c', '-n']})

    expect(error.message).toBe(
      'cannot send argument 5 of `run` ("-n") to Dokku: Dokku’s SSH parsing passes each word through /bin/echo, which would swallow a lone -n',
    )
    expect(error.hint).toMatch(/put the command in a script/)
    expect(error.exitCode).toBe(ExitCode.Usage)
    expect(error.code).toBe('unsafe_argument')
  })

  it('never shows a secret argument it refuses', () => {
    const error = refusalOf({argv: ['config:set', '--no-restart', 'api', 'TOKEN=s3cr3t\nline2'], secretArgs: [3]})

    expect(error.message).not.toContain('s3cr3t')
    expect(error.message).toContain('(***)')
    expect(error.message).toMatch(/newline/)
    expect(error.argument).toBe('***')
  })

  it('refuses a global flag as an argument unless the builder declared it a subcommand flag', () => {
    expect(refusalOf({argv: ['graduate:unlock', 'production', 'id-1', '--force']}).reason).toMatch(/--force anywhere on its command line/)
    expect(renderCommand({argv: ['graduate:unlock', 'production', 'id-1', '--force'], subcommandFlags: [3]})).toBe(
      'graduate:unlock production id-1 --force',
    )
  })

  it('a declared subcommand flag is still subject to the transport rules', () => {
    expect(refusalOf({argv: ['probe', '-n'], subcommandFlags: [1]}).reason).toMatch(/\/bin\/echo/)
  })
})

describe('displayCommand', () => {
  it('is the rendered string with secrets replaced by ***', () => {
    const command: DokkuCommand = {argv: ['config:set', '--no-restart', 'api', 'TOKEN=s3cr3t value', 'PLAIN=1'], secretArgs: [3]}

    expect(displayCommand(command)).toBe('config:set --no-restart api *** PLAIN=1')
    expect(renderCommand(command)).toBe(`config:set --no-restart api 'TOKEN=s3cr3t value' PLAIN=1`)
  })

  it('shows global flags and does not refuse what it cannot send', () => {
    expect(displayCommand({argv: ['apps:list'], globalFlags: ['--quiet']})).toBe('--quiet apps:list')
    expect(displayCommand({argv: ['probe', '-n']})).toBe('probe -n')
  })
})

describe('explainUnsafeArgument', () => {
  it('accepts what Dokku delivers unchanged', () => {
    for (const arg of ['bundle exec rake db:migrate', '', '-c', '--format', "it's", 'a --trace b']) {
      expect(explainUnsafeArgument(arg)).toBeUndefined()
    }
  })

  it('explains each kind of refusal', () => {
    expect(explainUnsafeArgument('a\nb')).toMatch(/newline/)
    expect(explainUnsafeArgument('a\0b')).toMatch(/NUL/)
    expect(explainUnsafeArgument('-E')).toMatch(/swallow a lone -E/)
    expect(explainUnsafeArgument('--version')).toMatch(/replace a lone --version with its own version text/)
    expect(explainUnsafeArgument('--app')).toMatch(/takes the next word as the app name/)
  })
})

describe('isExpectedExit', () => {
  it('accepts 0 by default and the declared answers, never a cut-off channel', () => {
    expect(isExpectedExit({argv: ['version']}, 0)).toBe(true)
    expect(isExpectedExit({argv: ['version']}, 1)).toBe(false)
    expect(isExpectedExit({argv: ['apps:exists', 'api'], okExitCodes: [0, 20]}, 20)).toBe(true)
    expect(isExpectedExit({argv: ['apps:exists', 'api'], okExitCodes: [0, 20]}, null)).toBe(false)
  })
})
