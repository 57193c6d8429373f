// Asks every target app's router, round after round, which revision it serves, and keeps the first
// time each app was seen serving the revision it is expected to move to. Its resolution is one round.

export class RouterProbe {
  /** @param {{app: string, routerPort: number, expectedRev: string}[]} targets */
  constructor(targets) {
    this.targets = targets
    /** @type {Map<string, number>} */
    this.firstSeen = new Map()
    this.rounds = 0
    this.roundMs = []
    this.running = false
  }

  start() {
    if (this.running) return
    this.running = true
    this.loop = this.#run()
  }

  async #run() {
    while (this.running && this.firstSeen.size < this.targets.length) {
      const started = Date.now()
      await Promise.all(
        this.targets
          .filter((target) => !this.firstSeen.has(target.app))
          .map(async (target) => {
            const rev = await fetch(`http://127.0.0.1:${target.routerPort}/${target.app}/`)
              .then((response) => response.json())
              .then((body) => body.rev)
              .catch(() => undefined)
            if (rev === target.expectedRev && !this.firstSeen.has(target.app)) this.firstSeen.set(target.app, Date.now())
          }),
      )
      this.rounds++
      const took = Date.now() - started
      this.roundMs.push(took)
      // The routers and the simulated hosts' sshd share this process: resting as long as a round took
      // keeps the probe to half of it, so that measuring the switch does not delay the release itself.
      await new Promise((resolve) => setTimeout(resolve, Math.max(5, took)))
    }
  }

  async stop() {
    this.running = false
    await this.loop
  }

  /** Between the first and the last app seen on its new revision; null unless every app was. */
  skewMs() {
    if (this.firstSeen.size < this.targets.length) return null
    const times = [...this.firstSeen.values()]
    return Math.max(...times) - Math.min(...times)
  }

  medianRoundMs() {
    const sorted = [...this.roundMs].sort((a, b) => a - b)
    return sorted.length ? sorted[Math.floor(sorted.length / 2)] : null
  }
}
