#!/usr/bin/env node
// `npm run demo`: two simulated Dokku hosts, then `graduate dev production --yes` against them over SSH.
import {spawn, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import YAML from 'yaml'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..', '..')

for (const tool of ['git', 'jq', 'flock', 'xargs']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`The demo needs ${tool} (the simulated Dokku hosts use it as real ones do): apt-get install ${tool === 'flock' ? 'util-linux' : tool === 'xargs' ? 'findutils' : tool}`)
    process.exit(1)
  }
}

const {startSimulator} = await import(path.join(root, 'test', 'simulator', 'dist', 'index.js'))
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-demo-'))
const migrationLog = path.join(work, 'migrations.log')
const config = YAML.parse(fs.readFileSync(path.join(here, 'hosts.yml'), 'utf8').replaceAll("@MIGRATION_LOG@", migrationLog))

console.log('Starting two simulated Dokku hosts (dev, production) and deploying their apps…')
const sim = await startSimulator({...config, stateDir: path.join(work, 'hosts')})
const production = sim.host('production')

async function serving() {
  const rows = []
  for (const app of ['api', 'web', 'worker']) {
    const response = await fetch(`http://127.0.0.1:${production.routerPort}/${app}/`)
    const {rev} = await response.json()
    const subject = spawnSync('git', ['--git-dir', path.join(production.hostDir, 'home', 'dokku', app), 'log', '-1', '--format=%s', rev], {encoding: 'utf8'}).stdout.trim()
    rows.push(`  ${app.padEnd(7)} ${rev.slice(0, 7)}  ${subject}`)
  }
  return rows.join('\n')
}

console.log(`\nproduction serves (its router, http://127.0.0.1:${production.routerPort}/<app>/):\n${await serving()}\n`)
console.log('$ graduate dev production --yes -m examples/demo/graduate.yml\n')

const env = {
  ...process.env,
  DEMO_DEV_HOST: `dokku@127.0.0.1:${sim.host('dev').port}`,
  DEMO_PRODUCTION_HOST: `dokku@127.0.0.1:${production.port}`,
  DEMO_KEY: sim.clientKeyPath,
  DEMO_KNOWN_HOSTS: sim.knownHostsPath,
  XDG_STATE_HOME: path.join(work, 'state'),
  XDG_CACHE_HOME: path.join(work, 'cache'),
}
const graduate = spawn(process.execPath, [path.join(root, 'bin', 'run.js'), 'dev', 'production', '--yes', '-m', path.join(here, 'graduate.yml')], {
  env,
  stdio: 'inherit',
})
const code = await new Promise((resolve) => graduate.on('close', resolve))

console.log(`\nproduction serves now:\n${await serving()}`)
if (fs.existsSync(migrationLog)) console.log(`\nmigrations run on production's database:\n  ${fs.readFileSync(migrationLog, 'utf8').trim().split('\n').join('\n  ')}`)
await sim.stop()
fs.rmSync(work, {recursive: true, force: true})
process.exit(code ?? 1)
