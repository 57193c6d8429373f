/**
 * The scenario most gate tests start from: app `api` serving an old image and revision, then armed
 * for graduation ID and reached by a git push of NEW_REV.
 */
import {afterEach, beforeEach, expect} from 'vitest'

import {newImageId, PluginHost, type GateRun} from './harness.js'

export const ID = '20261123T101500Z-3f9a'
export const OLD_REV = 'a'.repeat(40)
export const NEW_REV = 'b'.repeat(40)
export const HOLDING_WEB1 = /^=====> graduate: holding api \(web\.1\) for graduation 20261123T101500Z-3f9a; old release keeps serving$/m

export interface PushOptions {
  buildId?: string
  cid?: string
  underParent?: boolean
  dokkuPid?: number
}

export class GateScenario {
  readonly oldImage = newImageId()
  readonly newImage = newImageId()

  private constructor(readonly host: PluginHost) {
    host.addApp('api', {image: this.oldImage, rev: OLD_REV})
  }

  static async create(): Promise<GateScenario> {
    return new GateScenario(await PluginHost.create())
  }

  async arm(lease = 60): Promise<void> {
    const armed = await this.host.verb('arm', ['api', ID, NEW_REV, String(lease)])
    expect(armed.stderr).toBe('')
    expect(armed.code).toBe(0)
  }

  /** The armed git push reaching the gate at web.1; resolves once it holds. */
  async holdPush(options: PushOptions = {}): Promise<GateRun> {
    const cid = options.cid ?? this.host.buildReachesGate('api', {image: this.newImage, rev: NEW_REV}).cid
    const gate = this.host.checkDeploy('api', {
      cid,
      buildId: options.buildId ?? 'mwt5e6etaozwuh',
      buildSource: 'git-hook',
      command: 'git-hook',
      underParent: options.underParent,
      dokkuPid: options.dokkuPid,
    })
    await gate.line(HOLDING_WEB1)
    return gate
  }

  /** Another container of the same push (formation max_parallel, more web indices, workers). */
  container(options: {buildId: string; proc?: string; index: number}): GateRun {
    return this.host.checkDeploy('api', {
      cid: this.host.addContainer(this.newImage),
      proc: options.proc,
      index: options.index,
      buildId: options.buildId,
      buildSource: 'git-hook',
      command: 'git-hook',
    })
  }

  expectRestored(): void {
    expect(this.host.taggedImage('dokku/api:latest')).toBe(this.oldImage)
    expect(this.host.config('api', 'GIT_REV')).toBe(OLD_REV)
  }

  dispose(): Promise<void> {
    return this.host.dispose()
  }
}

/**
 * Gives every test of the file a fresh host with api deployed (`bind` receives it before the test) and
 * disposes of it after the test, whatever happened.
 */
export function useGateScenario(bind: (scenario: GateScenario) => void): void {
  let current: GateScenario | undefined
  beforeEach(async () => {
    current = await GateScenario.create()
    bind(current)
  })
  afterEach(() => current?.dispose())
}
