import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, expect, it} from 'vitest'
import {killAtTeardown} from '../support/child-processes.js'
import {REPOSITORY} from '../support/cli.js'
import {waitFor} from '../support/sim-client.js'

/*
 * `node test/simulator/sim.mjs up`, as a script or another tool runs it: stdout carries the one JSON
 * line and nothing else, the hosts it describes serve, and SIGTERM stops the simulator cleanly.
 */
let scratch: string

beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-cli-'))
})

afterEach(() => {
  fs.rmSync(scratch, {recursive: true, force: true})
})

it('prints exactly one JSON line on stdout, serves the hosts it names, and exits 0 on SIGTERM', async () => {
  const args = ['up', '--config', 'test/simulator/examples/two-hosts.yml', '--state-dir', path.join(scratch, 'state')]
  const simulator = killAtTeardown(spawn(process.execPath, [path.join(REPOSITORY, 'test', 'simulator', 'sim.mjs'), ...args], {cwd: REPOSITORY, stdio: ['ignore', 'pipe', 'pipe']}))
  let stdout = ''
  let stderr = ''
  simulator.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  simulator.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exit = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => simulator.on('close', (code, signal) => resolve({code, signal})))

  const printed = await waitFor('the first line on stdout', () => stdout.includes('\n') && stdout, {timeoutMs: 90_000})
  expect(printed.split('\n'), stderr).toHaveLength(2)
  const described = JSON.parse(printed) as {stateDir: string; hosts: Array<{name: string; routerPort: number}>}
  expect(described.stateDir).toBe(path.join(scratch, 'state'))
  expect(described.hosts.map((host) => host.name)).toEqual(['dev', 'production'])
  const production = described.hosts.find((host) => host.name === 'production')!
  const served = await fetch(`http://127.0.0.1:${production.routerPort}/api/`)
  expect(served.status).toBe(200)
  expect(await served.json()).toMatchObject({app: 'api'})

  simulator.kill('SIGTERM')
  expect(await exit).toEqual({code: 0, signal: null})
  expect(stdout).toBe(printed)
})
