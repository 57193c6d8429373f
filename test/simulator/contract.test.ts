import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import ssh2 from 'ssh2'
import {type Simulator, startSimulator} from './index.js'
import {type RunResult, WorkingCopy, liveRev, run, simApp, ssh, waitFor} from '../support/sim-client.js'

/*
 * The simulator held against dokku-contract.md and dokku-observed.md: what graduate parses and what
 * a person reads must be what a real Dokku 0.38.27 host does. Driven with system ssh and git only.
 */
const fixtures = path.resolve(__dirname, '..', 'fixtures', 'dokku')
const fixtureKeys = (file: string) => Object.keys(JSON.parse(fs.readFileSync(path.join(fixtures, file), 'utf8')) as object).sort()

let sim: Simulator

beforeAll(async () => {
  sim = await startSimulator({
    hosts: [
      {
        name: 'dev',
        gate: false,
        apps: [
          simApp('parse'),
          simApp('reports'),
          simApp('locky', {'.sim.json': JSON.stringify({buildMs: 4000})}),
          simApp('branches'),
          simApp('failing'),
          simApp('manual'),
          simApp('leftover', {'app.json': JSON.stringify({formation: {web: {quantity: 2, max_parallel: 2}}})}),
          simApp('removable'),
        ],
      },
    ],
  })
})

afterAll(async () => {
  await sim?.stop()
})

describe('SSH command parsing (contract §2.4, observed §7)', () => {
  it('keeps quoted spaces and embedded quotes the way xargs reads them', async () => {
    expect((await ssh(sim, 'dev', ['config:set', 'parse', '--no-restart', "'A=hello world'"])).code).toBe(0)
    expect((await ssh(sim, 'dev', ['config:get', 'parse', 'A'])).stdout).toBe('hello world\n')
    expect((await ssh(sim, 'dev', ['config:set', '--no-restart', 'parse', `"B=it's"`])).code).toBe(0)
    expect((await ssh(sim, 'dev', ['config:get', 'parse', 'B'])).stdout).toBe("it's\n")
  })

  it('passes every word through /bin/echo: a lone -n vanishes, -e becomes empty, --help becomes echo help', async () => {
    expect((await ssh(sim, 'dev', ['run', 'parse', 'echo', '-n', 'x'])).stdout).toBe('x\n')
    expect((await ssh(sim, 'dev', ['run', 'parse', 'echo', '-e', 'a\\tb'])).stdout).toBe(' atb\n')
    expect((await ssh(sim, 'dev', ['run', 'parse', 'echo', '--help'])).stdout).toMatch(/^Usage: echo \[SHORT-OPTION\]/)
  })

  it('keeps empty arguments and splits unquoted words', async () => {
    expect((await ssh(sim, 'dev', ['run', 'parse', 'sh', '-c', "'echo [$#] [$1] [$2]'", 'x', "''", 'z'])).stdout).toBe('[2] [] [z]\n')
    expect((await ssh(sim, 'dev', ['run', 'parse', 'sh', '-c', 'echo a; echo b'])).stdout).toBe('\n')
  })

  it('reads the end of the command as xargs reads printf\'s bytes: a trailing backslash is dropped, an unclosed quote ends the words', async () => {
    // bin/dokku hands xargs a here-string (one newline more than Dokku's printf); these are the two
    // endings where that newline could have changed the words.
    expect((await ssh(sim, 'dev', ['run', 'parse', 'echo', 'a\\'])).stdout).toBe('a\n')
    const unclosed = await ssh(sim, 'dev', ['run', 'parse', 'echo', 'a', '"b'])
    expect(unclosed.stdout).toBe('a\n')
    expect(unclosed.stderr).toContain('xargs: unmatched double quote')
  })

  it('keeps quotes for commands containing "git" and removes them for the others', async () => {
    const gitPath = await ssh(sim, 'dev', ['git:report', "'parse'", '--git-sha'])
    expect(gitPath.code).toBe(1)
    expect(gitPath.stderr).toContain(' !     App name must begin with lowercase alphanumeric character')
    expect((await ssh(sim, 'dev', ['apps:exists', "'parse'"])).code).toBe(0)
  })

  it('honours global flags anywhere: --trace in a run command turns on tracing', async () => {
    const traced = await ssh(sim, 'dev', ['run', 'parse', 'echo', '--trace'])
    expect(traced.stderr).toMatch(/^\+ /m)
    const quiet = await ssh(sim, 'dev', ['--quiet', 'apps:report', 'reports'])
    expect(quiet.stdout).not.toContain('=====>')
    expect(quiet.stdout).toMatch(/App deploy source:\s+git-push/)
  })
})

describe('reports and exit codes (contract §3, §5; observed §8)', () => {
  it.each([
    ['apps:report', 'apps-report-ga.json'],
    ['git:report', 'git-report-ga.json'],
    ['checks:report', 'checks-report-ga.json'],
    ['proxy:report', 'proxy-report-ga.json'],
  ])('%s --format json has the keys real Dokku prints', async (command, fixture) => {
    const result = await ssh(sim, 'dev', [command, 'reports', '--format', 'json'])
    expect(result.code).toBe(0)
    expect(Object.keys(JSON.parse(result.stdout) as object).sort()).toEqual(fixtureKeys(fixture))
  })

  it('ps:report has real Dokku keys, with the status key spelled status-web.1', async () => {
    const report = JSON.parse((await ssh(sim, 'dev', ['ps:report', 'reports', '--format', 'json'])).stdout) as Record<string, string>
    expect(Object.keys(report).sort()).toEqual(fixtureKeys('ps-report-ga.json'))
    expect(report['status-web.1']).toMatch(/^running \(CID: [0-9a-f]{11}\)$/)
  })

  it('answers a single flag with the raw value, and refuses an unknown flag as Dokku does', async () => {
    expect((await ssh(sim, 'dev', ['proxy:report', 'reports', '--proxy-computed-type'])).stdout).toBe('nginx\n')
    expect((await ssh(sim, 'dev', ['proxy:report', 'reports', '--proxy-type'])).stdout).toBe('\n')
    const bogus = await ssh(sim, 'dev', ['ps:report', 'reports', '--bogus-flag'])
    expect(bogus.code).toBe(1)
    const expected = fs.readFileSync(path.join(fixtures, 'misc-exit-codes.txt'), 'utf8').split('\n').find((line) => line.includes('Invalid flag passed'))
    expect(bogus.stderr).toBe(`${expected}\n`)
  })

  it('reads git:report --git-sha as the literal HEAD for a main deploy branch', async () => {
    expect((await ssh(sim, 'dev', ['git:report', 'reports', '--git-sha'])).stdout).toBe('HEAD\n')
  })

  it('exits 20 for a missing app, 1 for a missing key, 1 for an unknown command, 1 for plugin:install as dokku', async () => {
    const missing = await ssh(sim, 'dev', ['apps:exists', 'nope'])
    expect([missing.code, missing.stderr]).toEqual([20, ' !     App nope does not exist\n'])
    const key = await ssh(sim, 'dev', ['config:get', 'reports', 'NOPE'])
    expect([key.code, key.stdout, key.stderr]).toEqual([1, '', ''])
    const unknown = await ssh(sim, 'dev', ['nosuch:command'])
    expect([unknown.code, unknown.stderr]).toEqual([1, ' !     `nosuch:command` is not a dokku command.\n !     See `dokku help` for a list of available commands.\n'])
    const plugin = await ssh(sim, 'dev', ['plugin:install', 'x'])
    expect([plugin.code, plugin.stderr]).toEqual([1, ' !     This command must be run as root\n'])
  })

  it("answers config_sub, which Dokku's config_get and config_keys run, as config:get and config:keys", async () => {
    expect((await ssh(sim, 'dev', ['config:set', '--no-restart', 'reports', 'SUB_A=one', 'SUB_B=two'])).code).toBe(0)
    const paths = sim.paths('dev')
    const configSub = path.join(paths.libRoot, 'plugins', 'available', 'config', 'config_sub')
    // What a plugin script inherits from Dokku's entry (contract §2.5).
    const env = {PATH: process.env['PATH'] ?? '/usr/bin:/bin', DOKKU_ROOT: paths.dokkuRoot, DOKKU_LIB_ROOT: paths.libRoot}
    const viaSub = await Promise.all([run(configSub, ['get', 'reports', 'SUB_A'], {env}), run(configSub, ['keys', 'reports'], {env}), run(configSub, ['get', 'reports', 'NOPE'], {env})])
    const viaDokku = await Promise.all([ssh(sim, 'dev', ['config:get', 'reports', 'SUB_A']), ssh(sim, 'dev', ['config:keys', 'reports']), ssh(sim, 'dev', ['config:get', 'reports', 'NOPE'])])
    expect(viaSub[0]!.stdout).toBe('one\n')
    expect(viaSub[1]!.stdout).toContain('SUB_B\n')
    expect(viaSub.map(({code, stdout, stderr}) => ({code, stdout, stderr}))).toEqual(viaDokku.map(({code, stdout, stderr}) => ({code, stdout, stderr})))
    const invalid = await run(configSub, ['bogus', 'reports'], {env})
    expect([invalid.code, invalid.stderr]).toEqual([1, ' !     Invalid plugin config_sub call: bogus\n'])
  })

  it('lets a git fetch of a missing app create it (contract §3 git-upload-pack)', async () => {
    const lsRemote = await ssh(sim, 'dev', ['git-upload-pack', "'created-by-fetch'"], {input: '0000'})
    expect(lsRemote.code).toBe(0)
    expect((await ssh(sim, 'dev', ['apps:exists', 'created-by-fetch'])).code).toBe(0)
  })
})

describe('git pushes (contract §1.1, §1.4, §3)', () => {
  it('refuses a concurrent push with the deploy lock message while a deploy runs, ref unchanged', async () => {
    const first = await WorkingCopy.clone(sim, 'dev', 'locky')
    const second = await WorkingCopy.clone(sim, 'dev', 'locky')
    try {
      const firstSha = await first.commit({'app.txt': 'locky v2'})
      await second.commit({'app.txt': 'locky v2 elsewhere'})
      const running = first.startPush()
      await waitFor('the first deploy to hold the lock', async () => (await ssh(sim, 'dev', ['apps:report', 'locky', '--app-locked'])).stdout === 'true\n')
      const rejected = await second.push()
      expect(rejected.code).toBe(1)
      expect(rejected.stderr).toContain('remote:  !     locky currently has a deploy lock in place. Exiting...')
      expect(rejected.stderr).toContain("remote:  !     Run 'apps:unlock' to release the existing deploy lock")
      expect(rejected.stderr).toContain('! [remote rejected] HEAD -> main (pre-receive hook declined)')
      expect(await running.exit).toBe(0)
      expect(await liveRev(sim, 'dev', 'locky')).toBe(firstSha)
    } finally {
      first.remove()
      second.remove()
    }
  })

  it('accepts a push to another branch without deploying, and deploys nothing for an up-to-date push', async () => {
    const copy = await WorkingCopy.clone(sim, 'dev', 'branches')
    try {
      const before = await liveRev(sim, 'dev', 'branches')
      await copy.commit({'app.txt': 'branches v2'})
      const other = await copy.push('HEAD:refs/heads/feature')
      expect(other.code).toBe(0)
      expect(other.stderr).toContain('-----> WARNING: deploy did not complete, you must push to main.')
      expect(await liveRev(sim, 'dev', 'branches')).toBe(before)

      const builds = () => sim.state().hosts[0]!.apps.find((app) => app.name === 'branches')!.builds.length
      const buildsBefore = builds()
      await copy.git(['reset', '-q', '--hard', before!])
      const upToDate = await copy.push('HEAD:main')
      expect(upToDate.code).toBe(0)
      expect(upToDate.stderr).toContain('Everything up-to-date')
      expect(builds()).toBe(buildsBefore)
    } finally {
      copy.remove()
    }
  })

  it.each([
    ['a failed build', {'.sim.json': JSON.stringify({buildFails: true})}, 'App build failed', 'old'],
    ['failed checks', {'.sim.json': JSON.stringify({checkFails: true})}, 'Could not start due to 1 failed checks (web.1)', 'new'],
    ['a failed release task', {Procfile: 'web: serve\nrelease: exit 3\n'}, 'Execution of release task failed: exit 3', 'new'],
  ])('rejects the push after %s, leaving the ref and the traffic on the old revision', async (_name, files, message, latestAfter) => {
    const copy = await WorkingCopy.clone(sim, 'dev', 'failing')
    try {
      const before = await liveRev(sim, 'dev', 'failing')
      const sha = await copy.commit(files)
      const push = await copy.push()
      expect(push.code).toBe(1)
      expect(push.stderr).toContain(message)
      expect(push.stderr).toContain('! [remote rejected] HEAD -> main (pre-receive hook declined)')
      expect(await liveRev(sim, 'dev', 'failing')).toBe(before)
      const app = sim.state().hosts[0]!.apps.find((candidate) => candidate.name === 'failing')!
      expect(app.branchSha).toBe(before)
      // Real Dokku leaves GIT_REV on the failed sha, and `latest` on the failed image once it was built.
      expect(app.gitRev).toBe(sha)
      expect(app.latestRev).toBe(latestAfter === 'new' ? sha : before)
    } finally {
      copy.remove()
    }
  })

  it('does not let apps:lock block a push, and the deploy removes the lock file (observed §8)', async () => {
    expect((await ssh(sim, 'dev', ['apps:lock', 'manual'])).code).toBe(0)
    expect((await ssh(sim, 'dev', ['apps:locked', 'manual'])).stdout).toBe('Deploy lock exists\n')
    const copy = await WorkingCopy.clone(sim, 'dev', 'manual')
    try {
      const sha = await copy.commit({'app.txt': 'manual v2'})
      expect((await copy.push()).code).toBe(0)
      expect(await liveRev(sim, 'dev', 'manual')).toBe(sha)
      const locked = await ssh(sim, 'dev', ['apps:locked', 'manual'])
      expect([locked.code, locked.stderr]).toEqual([1, ' !     Deploy lock does not exist\n'])
    } finally {
      copy.remove()
    }
  })
})

describe('nginx-pre-reload (observed §10)', () => {
  it('fires for config rebuilds without a build id and twice per deploy with its build id, with arguments APP \'\' \'\'', async () => {
    const paths = sim.paths('dev')
    const log = path.join(paths.tmpDir, 'pre-reload.log')
    const probe = path.join(paths.pluginAvailable, 'probe')
    fs.mkdirSync(probe, {recursive: true})
    fs.writeFileSync(path.join(probe, 'nginx-pre-reload'), `#!/usr/bin/env bash\necho "$# [$1] [$2] [$3] build=\${DOKKU_BUILD_ID:-unset} command=$DOKKU_COMMAND" >> '${log}'\n`, {mode: 0o755})
    fs.symlinkSync(probe, path.join(paths.pluginEnabled, 'probe'))
    try {
      expect((await ssh(sim, 'dev', ['apps:create', 'probed'])).code).toBe(0)
      expect((await ssh(sim, 'dev', ['domains:set', 'probed', 'probed.example.test'])).code).toBe(0)
      const copy = await WorkingCopy.clone(sim, 'dev', 'parse')
      try {
        const push = await copy.git(['push', 'dokku@127.0.0.1:probed', 'HEAD:main'])
        expect(push.code, push.stderr).toBe(0)
      } finally {
        copy.remove()
      }
      const calls = fs.readFileSync(log, 'utf8').trim().split('\n')
      expect(calls.slice(0, 2)).toEqual(['3 [probed] [] [] build=unset command=apps:create', '3 [probed] [] [] build=unset command=domains:set'])
      expect(calls).toHaveLength(4)
      const deploy = calls.slice(2).map((line) => /build=(\S+) command=(\S+)/.exec(line)!)
      expect(deploy.map((match) => match[2])).toEqual(['git-hook', 'git-hook'])
      expect(deploy[0]![1]).not.toBe('unset')
      expect(deploy[1]![1]).toBe(deploy[0]![1])
    } finally {
      fs.rmSync(path.join(paths.pluginEnabled, 'probe'), {force: true})
    }
  })
})

/** The host's own `docker` (the shim plugins run), as the dokku user would. */
function docker(args: string[]): Promise<RunResult> {
  return run(path.join(sim.host('dev').hostDir, 'bin', 'docker'), args)
}

function containersOf(app: string) {
  return sim.state().hosts[0]!.apps.find((candidate) => candidate.name === app)!.containers
}

/**
 * The test gate of dokku-observed.md §3 as a plugin of its own: it fails every container of one app
 * at check-deploy, after Dokku's checks passed, as an aborting gate does. Returns its uninstall.
 */
async function installTestGate(app: string): Promise<() => Promise<void>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zz-testgate-'))
  try {
    fs.mkdirSync(path.join(dir, 'plugin'))
    fs.writeFileSync(path.join(dir, 'plugin', 'plugin.toml'), '[plugin]\ndescription = "fails one app\'s deploys at check-deploy"\nversion = "0.0.1"\n[plugin.config]\n')
    fs.writeFileSync(path.join(dir, 'plugin', 'check-deploy'), `#!/usr/bin/env bash\n[[ $# -ge 6 && $1 == ${app} ]] || exit 0\necho " !     [zz-testgate] aborted $3.$6" >&2\nexit 1\n`, {mode: 0o755})
    const tarball = path.join(dir, 'zz-testgate.tgz')
    expect((await run('tar', ['-czf', tarball, '-C', path.join(dir, 'plugin'), '.'])).code).toBe(0)
    const install = await ssh(sim, 'dev', ['dokku', 'plugin:install', `file://${tarball}`, '--name', 'zz-testgate'], {user: 'root'})
    expect(install.code, install.stderr).toBe(0)
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
  return async () => {
    expect((await ssh(sim, 'dev', ['dokku', 'plugin:uninstall', 'zz-testgate'], {user: 'root'})).code).toBe(0)
  }
}

describe('containers of an aborted deploy (observed §3)', () => {
  it('stay Exited (143) and are never removed, not by the failed deploy and not by the next one', async () => {
    let uninstall: (() => Promise<void>) | undefined = await installTestGate('leftover')
    const copy = await WorkingCopy.clone(sim, 'dev', 'leftover')
    try {
      const before = await liveRev(sim, 'dev', 'leftover')
      const serving = containersOf('leftover').filter((container) => container.state === 'running')
      expect(serving).toHaveLength(2)
      const aborted = await copy.commit({'app.txt': 'leftover v2'})
      const push = await copy.push()
      expect(push.code).toBe(1)
      expect(push.stderr).toContain('[zz-testgate] aborted web.1')
      expect(push.stderr).toContain('[zz-testgate] aborted web.2')
      expect(push.stderr).toContain('! [remote rejected] HEAD -> main (pre-receive hook declined)')
      expect(await liveRev(sim, 'dev', 'leftover')).toBe(before)

      const abortedContainers = () => containersOf('leftover').filter((container) => container.rev === aborted).sort((a, b) => a.name.localeCompare(b.name))
      const left = abortedContainers()
      expect(left.map((container) => [container.name.replace(/\d+$/, 'N'), container.state, container.exitCode])).toEqual([
        ['leftover.web.1.upcoming-N', 'exited', 143],
        ['leftover.web.2.upcoming-N', 'exited', 143],
      ])
      const listed = (await docker(['ps', '-a'])).stdout
      for (const container of left) expect(listed).toMatch(new RegExp(`^${container.id.slice(0, 12)} .*Exited \\(143\\) +${container.name.replaceAll('.', '\\.')}$`, 'm'))
      // The old release's containers were not touched.
      expect(containersOf('leftover').filter((container) => container.state === 'running')).toEqual(serving)

      // A later deploy retires the release it replaces, and still leaves the aborted containers be.
      await uninstall()
      uninstall = undefined
      const next = await copy.commit({'app.txt': 'leftover v3'})
      expect((await copy.push()).code).toBe(0)
      expect(await liveRev(sim, 'dev', 'leftover')).toBe(next)
      expect(abortedContainers()).toEqual(left)
    } finally {
      copy.remove()
      await uninstall?.()
    }
  })
})

describe("the docker shim's container rm (what the gate plugin runs)", () => {
  it('answers as Docker does: removes a stopped container, refuses a running one without -f, reports a missing one', async () => {
    const copy = await WorkingCopy.clone(sim, 'dev', 'removable')
    try {
      const failed = await copy.commit({'app.txt': 'removable v2', '.sim.json': JSON.stringify({checkFails: true})})
      expect((await copy.push()).code).toBe(1)
      const exited = containersOf('removable').find((container) => container.rev === failed)!
      const running = containersOf('removable').find((container) => container.state === 'running')!
      expect(exited).toMatchObject({state: 'exited', exitCode: 143})

      expect(await docker(['container', 'rm', running.id])).toMatchObject({
        code: 1,
        stdout: '',
        stderr: `Error response from daemon: cannot remove container "/${running.name}": container is running: stop the container before removing or force remove\n`,
      })
      expect(await docker(['container', 'rm', 'deadbeef0000'])).toMatchObject({code: 1, stdout: '', stderr: 'Error response from daemon: No such container: deadbeef0000\n'})
      // Several at once: each one that can go goes; any that cannot makes the exit code 1.
      expect(await docker(['rm', exited.id.slice(0, 12), 'deadbeef0000'])).toMatchObject({
        code: 1,
        stdout: `${exited.id.slice(0, 12)}\n`,
        stderr: 'Error response from daemon: No such container: deadbeef0000\n',
      })
      expect(containersOf('removable').map((container) => container.id)).toEqual([running.id])
      expect(await docker(['container', 'rm', exited.id])).toMatchObject({code: 1, stderr: `Error response from daemon: No such container: ${exited.id}\n`})

      const none = await docker(['container', 'rm'])
      expect(none.code).toBe(1)
      expect(none.stderr).toMatch(/^"docker container rm" requires at least 1 argument\.\n/)
      expect(await docker(['container', 'rm', '--volumes', running.id])).toMatchObject({code: 125, stderr: expect.stringContaining('unsupported command: docker container rm --volumes')})
      expect(containersOf('removable').map((container) => container.id)).toEqual([running.id])

      expect(await docker(['container', 'rm', '-f', running.name])).toMatchObject({code: 0, stdout: `${running.name}\n`, stderr: ''})
      expect(containersOf('removable')).toEqual([])
    } finally {
      copy.remove()
    }
  })
})

describe('sshd limits and faults', () => {
  it('refuses the eleventh session channel on one connection (OpenSSH MaxSessions 10)', async () => {
    const client = new ssh2.Client()
    await new Promise<void>((resolve, reject) => {
      client.on('ready', () => resolve()).on('error', reject)
      client.connect({host: '127.0.0.1', port: sim.host('dev').port, username: 'dokku', privateKey: fs.readFileSync(sim.clientKeyPath)})
    })
    try {
      const hang = sim.faults.command({host: 'dev', match: 'version', action: {kind: 'hang'}})
      const opened = await Promise.allSettled(
        Array.from({length: 11}, () => new Promise((resolve, reject) => client.exec('version', (error, channel) => (error ? reject(error) : resolve(channel))))),
      )
      hang.remove()
      expect(opened.filter((result) => result.status === 'fulfilled')).toHaveLength(10)
      expect(opened.filter((result) => result.status === 'rejected')).toHaveLength(1)
    } finally {
      client.end()
    }
  })

  it('applies a once-only exit fault to the matching command and then behaves normally', async () => {
    sim.faults.command({host: 'dev', match: 'apps:exists', action: {kind: 'exit', code: 255, stderr: 'injected\n'}, once: true})
    expect(await ssh(sim, 'dev', ['apps:exists', 'reports'])).toMatchObject({code: 255, stderr: 'injected\n'})
    expect((await ssh(sim, 'dev', ['apps:exists', 'reports'])).code).toBe(0)
  })

  it('takes a host off the network and brings it back on the same address', async () => {
    await sim.faults.down('dev')
    const refused = await ssh(sim, 'dev', ['version'])
    expect(refused.code).toBe(255)
    expect(refused.stderr).toMatch(/Connection refused/)
    await sim.faults.up('dev')
    expect((await ssh(sim, 'dev', ['version'])).stdout).toBe('dokku version 0.38.27\n')
  })

  it('puts a host behind a slow link: every round trip of an open connection pays twice the delay, both ways', async () => {
    const client = new ssh2.Client()
    await new Promise<void>((resolve, reject) => {
      client.on('ready', () => resolve()).on('error', reject)
      client.connect({host: '127.0.0.1', port: sim.host('dev').port, username: 'dokku', privateKey: fs.readFileSync(sim.clientKeyPath)})
    })
    const exec = (command: string, input: string) =>
      new Promise<{output: string; ms: number}>((resolve, reject) => {
        const started = performance.now()
        client.exec(command, (error, channel) => {
          if (error) return reject(error)
          let output = ''
          channel.on('data', (chunk: Buffer) => (output += chunk.toString()))
          channel.on('close', () => resolve({output, ms: performance.now() - started}))
          channel.end(input)
        })
      })
    const input = 'x'.repeat(200_000)
    try {
      sim.faults.setLinkDelay('dev', 150)
      // Channel open, the exec request, and the exit status each cross the link both ways: at least two
      // round trips of 300 ms before the command's answer is in (`version` alone takes a few ms here).
      const slow = await exec('version', '')
      expect(slow.output).toBe('dokku version 0.38.27\n')
      expect(slow.ms).toBeGreaterThanOrEqual(2 * 300)
      // 200 kB of stdin and of stdout cross it intact.
      expect((await exec('run parse cat', input)).output).toBe(input)
      sim.faults.setLinkDelay('dev', 0)
      expect((await exec('version', '')).output).toBe('dokku version 0.38.27\n')
    } finally {
      sim.faults.setLinkDelay('dev', 0)
      client.end()
    }
  })

  it('journals every SSH command with its exit code', async () => {
    await ssh(sim, 'dev', ['apps:exists', 'journal-check-missing'])
    const entry = sim.state().hosts[0]!.journal.find((line) => line.command === 'apps:exists journal-check-missing')
    expect(entry).toMatchObject({user: 'dokku', exitCode: 20})
  })
})
