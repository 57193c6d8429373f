// One scenario's simulated hosts and manifests. Two source environments, `stage-a` (every app at
// its second revision) and `stage-b` (at its first), feed one `production` whose apps are spread
// over the scenario's target hosts. Runs alternate between them, so every run moves every app
// (first → second, then back), on one set of hosts started once.
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'

export const SOURCES = ['stage-a', 'stage-b']

export function appNames(scenario) {
  return Array.from({length: scenario.apps}, (_, index) => `app-${String(index + 1).padStart(2, '0')}`)
}

export function targetHostNames(scenario) {
  return Array.from({length: scenario.hosts}, (_, index) => `prod-${index + 1}`)
}

/** Apps are dealt to the target hosts in turn: app-01 on prod-1, app-02 on prod-2, … */
export function targetHostOf(scenario, appIndex) {
  return targetHostNames(scenario)[appIndex % scenario.hosts]
}

function revision(app, version, scenario) {
  return {
    message: `${app} ${version}`,
    files: {'app.txt': `${app} ${version}`, '.sim.json': JSON.stringify({buildMs: scenario.buildMs, checkMs: scenario.checkMs})},
  }
}

export function simulatorConfig(scenario, stateDir) {
  const apps = appNames(scenario)
  const repos = Object.fromEntries(apps.map((app) => [app, [revision(app, 'v1', scenario), revision(app, 'v2', scenario)]]))
  // Every host, sources too: the runner reaches them all over the same kind of link.
  const settings = {releaseTailMs: scenario.releaseTailMs, releaseTailJitterMs: scenario.releaseTailJitterMs, ...(scenario.linkDelayMs ? {linkDelayMs: scenario.linkDelayMs} : {})}
  const source = (name, deploy) => ({name, ...settings, apps: apps.map((app) => ({name: app, repo: app, deploy}))})
  const targets = targetHostNames(scenario).map((name) => ({
    name,
    ...settings,
    apps: apps.filter((_, index) => targetHostOf(scenario, index) === name).map((app) => ({name: app, repo: app, deploy: 1})),
  }))
  return {stateDir, repos, hosts: [source('stage-a', 2), source('stage-b', 1), ...targets]}
}

function environment(sim, host) {
  return {host: `dokku@127.0.0.1:${sim.host(host).port}`, identityFile: sim.clientKeyPath, knownHostsFile: sim.knownHostsPath}
}

/** A manifest promoting `source` to production; the POST hook stands for a migration of hookMs. */
export function writeManifest(sim, scenario, source, dir) {
  const apps = appNames(scenario)
  const manifest = {
    environments: {
      [source]: environment(sim, source),
      production: {
        ...environment(sim, targetHostOf(scenario, 0)),
        apps: Object.fromEntries(apps.map((app, index) => [app, {host: `dokku@127.0.0.1:${sim.host(targetHostOf(scenario, index)).port}`}])),
      },
    },
    apps: Object.fromEntries(apps.map((app) => [app, null])),
    hooks: {post: [{label: 'Migrate', local: `sleep ${scenario.hookMs / 1000}`}]},
    // Every app of a host builds at once, as the ideal assumes; the default of 4 protects a real host.
    options: {lease: `${scenario.leaseS ?? 120}s`, concurrency: Math.ceil(scenario.apps / scenario.hosts)},
  }
  const file = path.join(dir, `graduate-${source}.yml`)
  fs.writeFileSync(file, YAML.stringify(manifest))
  return file
}
