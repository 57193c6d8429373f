import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {SimulatorConfig} from '../simulator/index.js'
import type {Simulator} from '../simulator/index.js'
import {type CliResult, simEnvironment, startCli} from '../support/cli.js'
import {waitFor} from '../support/sim-client.js'
import {dataDir} from '../simulator/host/paths.js'
import {listApps} from '../simulator/core/store/apps.js'
import {parseKeyValues, readText} from '../simulator/core/store/files.js'

/**
 * The end-to-end scenario: dev runs api, web and worker at their second revision and docs at its
 * first; production runs everything at the first, with api and web on prod-1 and worker and docs on
 * prod-2. The POST hook migrates with api's new image: bin/migrate appends `<GIT_REV> <version>
 * <epoch ms>` to the file named by MIGRATION_LOG, or fails when MIGRATION_FAILS is set.
 */
export function migrationScript(version: string): string {
  return [
    '#!/bin/sh',
    'set -e',
    `if [ -n "$MIGRATION_FAILS" ]; then echo "migration ${version} failed: column already exists" >&2; exit 4; fi`,
    `echo "$GIT_REV ${version} $(date +%s%3N)" >> "$MIGRATION_LOG"`,
    `echo "migrated the database to ${version}"`,
    '',
  ].join('\n')
}

function revision(app: string, version: string, extra: Record<string, string> = {}) {
  return {message: `${app} ${version}`, files: {'app.txt': `${app} ${version}`, '.sim.json': JSON.stringify({buildMs: 200, checkMs: 100}), ...extra}}
}

export function scenarioConfig(migrationLog: string, options: {releaseTailMs?: number} = {}): SimulatorConfig {
  const tail = options.releaseTailMs ?? 100
  return {
    repos: {
      api: [revision('api', 'v1', {'bin/migrate': migrationScript('v1')}), revision('api', 'v2', {'bin/migrate': migrationScript('v2')})],
      web: [revision('web', 'v1'), revision('web', 'v2')],
      worker: [revision('worker', 'v1'), revision('worker', 'v2')],
      docs: [revision('docs', 'v1')],
    },
    hosts: [
      {
        name: 'dev',
        releaseTailMs: tail,
        apps: [
          {name: 'api', repo: 'api', deploy: 2},
          {name: 'web', repo: 'web', deploy: 2},
          {name: 'worker', repo: 'worker', deploy: 2},
          {name: 'docs', repo: 'docs', deploy: 1},
        ],
      },
      {
        name: 'prod-1',
        releaseTailMs: tail,
        apps: [
          {name: 'api', repo: 'api', deploy: 1, config: {MIGRATION_LOG: migrationLog, DATABASE_URL: 'postgres://secret-password@db/prod'}},
          {name: 'web', repo: 'web', deploy: 1},
        ],
      },
      {
        name: 'prod-2',
        releaseTailMs: tail,
        apps: [
          {name: 'worker', repo: 'worker', deploy: 1},
          {name: 'docs', repo: 'docs', deploy: 1},
        ],
      },
    ],
  }
}

export function scenarioManifest(sim: Simulator, extra: {hooks?: Record<string, unknown>} = {}): Record<string, unknown> {
  return {
    environments: {
      dev: simEnvironment(sim, 'dev'),
      production: {
        ...simEnvironment(sim, 'prod-1'),
        apps: {
          worker: {host: `dokku@127.0.0.1:${sim.host('prod-2').port}`},
          docs: {host: `dokku@127.0.0.1:${sim.host('prod-2').port}`},
        },
      },
    },
    apps: {api: null, web: null, worker: null, docs: null},
    hooks: {post: [{label: 'Migrate database', run: {app: 'api', command: 'bin/migrate'}}], ...extra.hooks},
    options: {lease: '30s'},
  }
}

/**
 * Whether graduation `id`'s gate leases (`gates`) and its production lock (`lock`) have run out, by the
 * hosts' own state files (the gate's `armed` expires_at, the lock's expires_at), read in-process: waiting
 * on this runs no CLI and no SSH, so it costs the machine next to nothing while a lease runs down. It
 * reads only those files: sim.state() would also run git and flock for every app, on this worker's
 * event loop, which serves the simulated hosts. What the CLI then says about it is still asserted
 * through the CLI.
 */
export function expiredOnHosts(sim: Simulator, id: string, what: {gates: boolean; lock: boolean}): boolean {
  const now = Date.now() / 1000
  const unexpired = (file: string) => {
    const text = readText(file)
    const fields = text === undefined ? undefined : parseKeyValues(text)
    return fields?.['id'] === id && !(Number(fields['expires_at']) <= now)
  }
  for (const {name} of sim.hosts) {
    const graduate = dataDir(sim.paths(name), 'graduate')
    if (what.gates && listApps(sim.paths(name)).some((app) => unexpired(path.join(graduate, app, 'armed')))) return false
    if (what.lock && unexpired(path.join(graduate, '_environments', 'production', 'lock'))) return false
  }
  return true
}


export const TARGETS = {api: 'prod-1', web: 'prod-1', worker: 'prod-2', docs: 'prod-2'} as const

export function scratchFile(name: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-e2e-')), name)
}

/** `graduate <from> <to>` killed with SIGKILL once `until` is true of its events; returns the graduation id. */
export async function crashGraduation(manifest: string, env: NodeJS.ProcessEnv, until: (events: CliResult['events']) => boolean | Promise<boolean>): Promise<string> {
  const running = startCli(['dev', 'production', '--yes', '--json', '-m', manifest], {env})
  let stdout = ''
  running.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  const events = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as CliResult['events'][number])
  await waitFor('the moment to crash the runner', () => until(events()), {timeoutMs: 90_000})
  running.child.kill('SIGKILL')
  await running.result
  return String(events()[0]!.id)
}
