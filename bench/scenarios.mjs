// The benchmark's scenarios. Build and check durations are those of a small app: on the Dokku 0.38
// test host a trivial push took 14–21 s from push to held (dokku-observed.md §2), a build of about
// 5 s and then the checks; 10 s of build and 3 s of checks sit in that range. The POST hook stands
// for a short migration.

/** @typedef {{name: string, apps: number, hosts: number, buildMs: number, checkMs: number, hookMs: number, releaseTailMs: number, releaseTailJitterMs: number, sequential: boolean, note: string, leaseS?: number, maxRuns?: number, linkDelayMs?: number, loopback?: string}} Scenario */

const APP = {buildMs: 10_000, checkMs: 3_000, hookMs: 1_000}

/** @type {Scenario[]} */
export const SCENARIOS = [
  {name: '2x1', apps: 2, hosts: 1, ...APP, releaseTailMs: 0, releaseTailJitterMs: 0, sequential: false, note: '2 apps on 1 target host'},
  {name: '10x2', apps: 10, hosts: 2, ...APP, releaseTailMs: 0, releaseTailJitterMs: 0, sequential: true, note: '10 apps on 2 target hosts, also run one after another as the original plugin does'},
  {
    name: '10x2-wan',
    apps: 10,
    hosts: 2,
    ...APP,
    releaseTailMs: 0,
    releaseTailJitterMs: 0,
    // 40 ms each way: an 80 ms round trip, as from a laptop or a CI runner to a cloud host (issue 14).
    linkDelayMs: 40,
    // The same graduation on loopback, which its overhead is compared with.
    loopback: '10x2',
    sequential: false,
    note: 'as 10x2, with every host behind a link of 40 ms each way (an 80 ms round trip)',
  },
  {name: '50x10', apps: 50, hosts: 10, ...APP, releaseTailMs: 0, releaseTailJitterMs: 0, sequential: false, note: '50 apps on 10 target hosts'},
  {
    name: '10x2-tail',
    apps: 10,
    hosts: 2,
    ...APP,
    releaseTailMs: 5_000,
    releaseTailJitterMs: 1_000,
    sequential: false,
    note: '10 apps on 2 hosts with Dokku’s own release tail of about 5 s ±1 s per app after the gate lets go (dokku-observed.md §2)',
  },
  {
    name: '3x1-long-tail',
    apps: 3,
    hosts: 1,
    ...APP,
    releaseTailMs: 150_000,
    releaseTailJitterMs: 0,
    leaseS: 30,
    // Each run takes three minutes of waiting; one shows whether it ends graduated.
    maxRuns: 1,
    sequential: false,
    note: '3 apps on 1 host with the release tail of a loaded real host (150 s, issue 12) and a 30 s lease: must end graduated, exit 0',
  },
]

/** Scales every duration down, for a quick look (`--quick`); the targets are judged only on full runs. */
export function quick(scenario) {
  return {...scenario, buildMs: scenario.buildMs / 10, checkMs: scenario.checkMs / 10, hookMs: scenario.hookMs / 10, releaseTailMs: scenario.releaseTailMs / 10, releaseTailJitterMs: scenario.releaseTailJitterMs / 10}
}
