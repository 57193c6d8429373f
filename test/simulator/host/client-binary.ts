import fs from 'node:fs'
import path from 'node:path'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const SIMULATOR_ROOT = path.basename(HERE) === 'host' && path.basename(path.dirname(HERE)) === 'dist' ? path.resolve(HERE, '..', '..') : path.resolve(HERE, '..')
const DIST = path.join(SIMULATOR_ROOT, 'dist')
const SOURCE = path.join(SIMULATOR_ROOT, 'client', 'sim-client.c')
export const CLIENT_BINARY = path.join(DIST, 'sim-client')
const NODE_CLIENT = path.join(DIST, 'client', 'sim-client.js')

let warned = false

/**
 * The command the hosts' `dokku` and `docker` run to reach the core server: the C client
 * (client/sim-client.c, ~1 ms of CPU), compiled with the system `cc` when missing or older than its
 * source — or, without a C compiler, the Node client (a Node start-up per command, as slow as the
 * simulator was before the core server), said once on stderr. GRADUATE_SIM_NODE_CLIENT=1 forces the latter.
 */
export function clientCommand(): string[] {
  // GRADUATE_SIM_NODE_CLIENT=1 forces the fallback (to test it where a compiler exists).
  if (process.env['GRADUATE_SIM_NODE_CLIENT'] !== '1' && compileClient()) return [CLIENT_BINARY]
  if (!warned) {
    warned = true
    process.stderr.write(`simulator: no C compiler (cc) to build ${path.relative(process.cwd(), SOURCE)}; simulated hosts use the Node client, one Node start-up per Dokku command (slow)\n`)
  }
  return [process.execPath, NODE_CLIENT]
}

/** Compiles the C client unless it is current; false when no compiler is available or it fails. */
export function compileClient(): boolean {
  try {
    if (fs.statSync(CLIENT_BINARY).mtimeMs >= fs.statSync(SOURCE).mtimeMs) return true
  } catch {
    // missing: build it
  }
  fs.mkdirSync(DIST, {recursive: true})
  // Several test workers may start simulators at once: each compiles to its own file, then renames.
  const temp = `${CLIENT_BINARY}.${process.pid}.tmp`
  // Linked statically where the C library allows it: the dynamic loader's work was about a quarter
  // of each client start (0.8 → 0.6 ms of CPU), paid once per Dokku and docker command.
  let result = spawnSync('cc', ['-O2', '-Wall', '-static', '-o', temp, SOURCE], {encoding: 'utf8'})
  if (result.error || result.status !== 0) result = spawnSync('cc', ['-O2', '-Wall', '-o', temp, SOURCE], {encoding: 'utf8'})
  if (result.error || result.status !== 0) {
    fs.rmSync(temp, {force: true})
    if (result.status !== null && !result.error) process.stderr.write(`simulator: cc failed on ${SOURCE}:\n${result.stderr}`)
    return false
  }
  fs.renameSync(temp, CLIENT_BINARY)
  return true
}

// `npm run build` compiles it once, so that test workers find it current.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!compileClient()) process.stderr.write('simulator: no C compiler; the simulated hosts will use the slow Node client\n')
}
