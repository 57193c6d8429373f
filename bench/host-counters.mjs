// What the simulated hosts counted: SSH connections accepted, and every remote command in their journals.

export function sshTotals(sim, hostNames) {
  let connections = 0
  let execs = 0
  for (const name of hostNames) {
    const stats = sim.sshStats(name)
    connections += stats.connectionsAccepted
    execs += stats.execs
  }
  return {connections, execs}
}

/** Remote commands the hosts ran since `since` (ms since the epoch), from their journals. */
export function journalSince(sim, hostNames, since) {
  return sim
    .state()
    .hosts.filter((host) => hostNames.includes(host.name))
    .flatMap((host) => host.journal.map((entry) => ({...entry, host: host.name})))
    .filter((entry) => entry.ts >= since)
}
