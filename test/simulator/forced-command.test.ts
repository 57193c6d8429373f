import {execFileSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {forcedCommand} from './ssh/server.js'

/** The words bash passes on for `cmd $SSH_ORIGINAL_COMMAND`, as the forced command's login shell runs it. */
function bashWords(command: string): string[] {
  const out = execFileSync('bash', ['-c', 'for word in $SSH_ORIGINAL_COMMAND; do printf "%s\\0" "$word"; done'], {env: {PATH: process.env.PATH, SSH_ORIGINAL_COMMAND: command}, encoding: 'utf8', cwd: '/'})
  return out === '' ? [] : out.slice(0, -1).split('\0')
}

describe("the simulated sshd's forced command", () => {
  const plain = [
    'apps:report api',
    "graduate:release 'g-1' 'api' 'web'",
    '  --quiet   config:keys\tapi\nworker  ',
    `config:set api 'A=it'"'"'s' "B=two words"`,
    'graduate:status --format json',
    '',
  ]
  it.each(plain)('splits %j exactly as bash does, and starts bin/dokku directly', (command) => {
    const [file, args] = forcedCommand('/host/bin/dokku', command)
    expect(file).toBe('/host/bin/dokku')
    expect(args).toEqual(bashWords(command))
  })

  it.each(['apps:report *', 'config:get api [A]', 'run api ls ?', 'config:set api A=a\\b'])('leaves %j to bash, which may glob it', (command) => {
    expect(forcedCommand('/host/bin/dokku', command)).toEqual(['bash', ['-c', '/host/bin/dokku $SSH_ORIGINAL_COMMAND']])
  })
})
