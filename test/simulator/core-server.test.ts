import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {spawn} from 'node:child_process'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type Simulator, startSimulator} from './index.js'
import {DeployLock} from './core/store/deploy-lock.js'
import {run, simApp, waitFor} from '../support/sim-client.js'
import {RUN_ID_VARIABLE} from '../support/leftover-processes.js'
import {killAtTeardown} from '../support/child-processes.js'
import {isAlive} from '../support/process-tree.js'

/*
 * The core server (core/server.ts) and its client: a Dokku core command runs inside the simulator
 * process, yet behaves towards the host like the process it used to be — stdin, hangups, kills, and
 * nothing left running once the simulator stops.
 */
let sim: Simulator
let scratch: string

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'core-server-'))
  sim = await startSimulator({hosts: [{name: 'dev', gate: false, apps: [simApp('api', {Procfile: 'web: serve\n'})]}]})
})

afterAll(async () => {
  await sim?.stop()
  fs.rmSync(scratch, {recursive: true, force: true})
})

function hostEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!/^(DOKKU_|GIT_|SIM_|SSH_ORIGINAL_COMMAND$)/.test(key)) env[key] = value
  return {...env, PATH: `${sim.paths('dev').binDir}:${process.env['PATH']}`, SIM_SSH_LOGIN: 'dokku'}
}

/** A command left running in a process group of its own, like an sshd session. */
function startSession(script: string) {
  const child = killAtTeardown(spawn('bash', ['-c', script], {env: hostEnv(), cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'], detached: true}))
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {child, output: () => output, exit}
}

describe('the core server and its client', () => {
  it('leaves stdin to whoever reads next when the command does not read it', async () => {
    const result = await run('bash', ['-c', "printf 'a\\nb\\n' | { dokku apps:list; cat; }"], {env: hostEnv()})
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('=====> My Apps\napi\na\nb\n')
  })

  it('gives stdin to a command that reads it (dokku run, like docker run -i)', async () => {
    const result = await run('bash', ['-c', "printf 'x\\ny\\n' | dokku run api cat"], {env: hostEnv()})
    expect(result).toMatchObject({code: 0, stdout: 'x\ny\n'})
  })

  it('keeps the test run\'s marker in a child given an environment of its own (dokku run: a container\'s)', async () => {
    const result = await run('bash', ['-c', `dokku run api printenv ${RUN_ID_VARIABLE}`], {env: hostEnv()})
    expect(result).toMatchObject({code: 0, stdout: `${process.env[RUN_ID_VARIABLE]}\n`})
  })

  it('passes a hangup of the session on to the command and its children, and the command carries on', async () => {
    const marker = path.join(scratch, 'hup')
    const ready = path.join(scratch, 'hup-ready')
    // The trap fires in the command's child: the hangup went client → server → command → child.
    const session = startSession(`dokku run api sh -c 'trap "echo hup > ${marker}; exit 3" HUP; touch ${ready}; while :; do sleep 0.05; done'`)
    await waitFor('the run command to start', () => fs.existsSync(ready))
    process.kill(-session.child.pid!, 'SIGHUP')
    await waitFor('the child to see the hangup', () => fs.existsSync(marker))
    expect(await session.exit).toBe(3)
  })

  /** A clone of dev's api in `dir` with one more commit, whose Procfile release task is `release`: its work tree and sha. */
  async function commitRelease(dir: string, release: string): Promise<{work: string; sha: string}> {
    const work = path.join(scratch, dir)
    const gitEnv = {...hostEnv(), GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.test'}
    expect((await run('git', ['clone', '-q', '--branch', 'main', path.join(sim.paths('dev').dokkuRoot, 'api'), work], {env: gitEnv})).code).toBe(0)
    fs.writeFileSync(path.join(work, 'Procfile'), `web: serve\nrelease: ${release}\n`)
    expect((await run('git', ['-C', work, 'commit', '-qam', `release: ${release}`], {env: gitEnv})).code).toBe(0)
    return {work, sha: (await run('git', ['-C', work, 'rev-parse', 'HEAD'], {env: gitEnv})).stdout.trim()}
  }

  it('a killed session kills the command: its children die and its deploy lock is freed, as for a killed Dokku process', async () => {
    const pidFile = path.join(scratch, 'release.pid')
    const {work} = await commitRelease('work', `echo $$ > ${pidFile}; exec sleep 600`)
    const before = sim.state().hosts[0]!.apps.find((app) => app.name === 'api')!.liveRev

    // A local push: git receive-pack, its hook and `dokku git-hook` all share the push's process group.
    const push = startSession(`git -C ${work} push -q origin HEAD:main`)
    const releasePid = Number(await waitFor('the release task to run', () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim()))
    expect(DeployLock.isHeld(sim.paths('dev'), 'api')).toBe(true)
    process.kill(-push.child.pid!, 'SIGKILL')
    await waitFor('the release task to die with the command', () => !isAlive(releasePid))
    await waitFor('the deploy lock to be freed', () => !DeployLock.isHeld(sim.paths('dev'), 'api'))
    expect(sim.state().hosts[0]!.apps.find((app) => app.name === 'api')!.liveRev).toBe(before)
  })

  it('a hung-up push leaves its deploy running to the end, as on a real host (dokku-observed.md §4)', async () => {
    const pidFile = path.join(scratch, 'hup-release.pid')
    // Long enough that the hangup reaches the release task while it runs, if anything passed it on.
    const {work, sha: pushed} = await commitRelease('hup-work', `echo $$ > ${pidFile}; sleep 2`)

    const push = startSession(`git -C ${work} push -q origin HEAD:main`)
    await waitFor('the release task to run', () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim())
    // The pushing client goes away: git push, receive-pack and its hook get the hangup, the deploy does not.
    process.kill(-push.child.pid!, 'SIGHUP')
    await push.exit
    await waitFor('the deploy to end', () => !DeployLock.isHeld(sim.paths('dev'), 'api'), {timeoutMs: 60_000})
    expect(sim.state().hosts[0]!.apps.find((app) => app.name === 'api')!.liveRev).toBe(pushed)
  })
})

describe('stopping the simulator', () => {
  it('ends every in-flight command and its children, and the client then says the server is gone', async () => {
    // A state dir of our own, kept after stop(), so the host's bin/dokku is still there to run.
    const own = await startSimulator({stateDir: path.join(scratch, 'solo-state'), hosts: [{name: 'solo', gate: false, apps: [simApp('api')]}]})
    const pidFile = path.join(scratch, 'stop.pid')
    const env = {...hostEnv(), PATH: `${own.paths('solo').binDir}:${process.env['PATH']}`}
    const child = killAtTeardown(spawn('bash', ['-c', `dokku run api sh -c 'echo $$ > ${pidFile}; exec sleep 600'`], {env, stdio: 'ignore', detached: true}))
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    const runPid = Number(await waitFor('the run command to start', () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim()))
    await own.stop()
    expect(await exit).not.toBe(0)
    await waitFor('the command child to be gone', () => !isAlive(runPid), {timeoutMs: 10_000})
    const after = await run(path.join(own.paths('solo').binDir, 'dokku'), ['apps:list'], {env})
    expect(after.code).not.toBe(0)
    expect(after.stderr).toMatch(/simulator/)
  })
})
