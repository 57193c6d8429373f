import fs from 'node:fs'
import path from 'node:path'
import {loadSimulatorConfig} from './config.js'
import {hostPaths, registryDirOf} from './host/paths.js'
import {registryCatalog} from './core/store/registry.js'
import {listDir} from './core/store/files.js'
import {hostSnapshot} from './snapshot.js'
import {startSimulator} from './index.js'

/**
 * Run through sim.mjs, which compiles the simulator first when its sources changed:
 * `node test/simulator/sim.mjs up --config <file.yml> [--state-dir D]`: prints one JSON line with the
 * hosts' connection details, then serves until SIGTERM/SIGINT.
 * `node test/simulator/sim.mjs state --state-dir D`: prints the JSON snapshot of every host in D and of the registry.
 */
const [verb, ...rest] = process.argv.slice(2)
const option = (name: string) => {
  const index = rest.indexOf(name)
  return index >= 0 ? rest[index + 1] : undefined
}

function usage(): never {
  process.stderr.write('usage: node test/simulator/sim.mjs up --config <file.yml> [--state-dir <dir>]\n       node test/simulator/sim.mjs state --state-dir <dir>\n')
  process.exit(2)
}

if (verb === 'up') {
  const configFile = option('--config') ?? usage()
  const config = loadSimulatorConfig(configFile)
  const stateDir = option('--state-dir')
  const simulator = await startSimulator({...config, ...(stateDir ? {stateDir: path.resolve(stateDir)} : {})})
  process.stdout.write(
    `${JSON.stringify({
      stateDir: simulator.stateDir,
      clientKeyPath: simulator.clientKeyPath,
      knownHostsPath: simulator.knownHostsPath,
      hosts: simulator.hosts.map(({name, host, port, knownHostsLine, routerPort}) => ({name, host, port, knownHostsLine, routerPort})),
    })}\n`,
  )
  const shutdown = () => void simulator.stop().then(() => process.exit(0))
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
} else if (verb === 'state') {
  const stateDir = option('--state-dir') ?? usage()
  const hosts = listDir(stateDir).filter((name) => fs.existsSync(path.join(stateDir, name, 'sim', 'settings.json')))
  const snapshot = {hosts: hosts.map((name) => hostSnapshot(hostPaths(path.join(stateDir, name)))), registry: registryCatalog(registryDirOf(stateDir))}
  process.stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`)
} else {
  usage()
}
