import {expect, test} from 'vitest'

import {waitFor, type PluginHost} from './harness.js'
import {GateScenario, ID, NEW_REV, useGateScenario} from './scenario.js'

// The lease is wall-clock time, so these tests take seconds; they live apart so they run beside the rest.
let scenario: GateScenario
let host: PluginHost

useGateScenario((created) => {
  scenario = created
  host = created.host
})

test('the lease running out aborts the hold on its own, says so, and restores', async () => {
  await scenario.arm(2)
  const gate = await scenario.holdPush()
  const result = await gate.result()
  expect(result.code).toBe(1)
  expect(result.output).toMatch(
    /^ !     graduate: the lease of graduation 20261123T101500Z-3f9a ended at \d+ without a decision; aborted api \(web\.1\); restored dokku\/api:latest and GIT_REV$/m,
  )
  expect(host.state('api', 'decision')).toMatchObject({decision: 'expired'})
  scenario.expectRestored()
  // Too late: the gate has aborted.
  const release = await host.verb('release', [ID, 'api'])
  expect(release.code).toBe(1)
  expect(release.stderr).toContain("has already decided 'expired' for api")
})

test('a long hold prints a heartbeat with the time held and the lease left', async () => {
  await scenario.arm(60)
  const gate = await scenario.holdPush()
  const heartbeat = await gate.line(/^       graduate: still holding api \(web\.1\) for 20261123T101500Z-3f9a, (\d+)s held, lease ends in (\d+)s$/)
  const [, held, left] = /(\d+)s held, lease ends in (\d+)s/.exec(heartbeat) ?? []
  expect(Number(held)).toBeGreaterThanOrEqual(5)
  expect(Number(left)).toBeLessThanOrEqual(55)
  await host.verb('release', [ID, 'api'])
  expect((await gate.result()).code).toBe(0)
})

test('renew extends a held lease past its first end', async () => {
  await scenario.arm(3)
  const firstEnd = Number(host.state('api', 'armed')?.expires_at)
  const gate = await scenario.holdPush()
  // Renew half-way through: the new end is at least a second past the first one.
  await waitFor(() => Date.now() / 1000 >= firstEnd - 1.5, 'half of the lease to pass')
  const renew = await host.verb('renew', [ID, 'api'])
  expect(renew.code).toBe(0)
  const renewedEnd = Number(/^renewed api until (\d+)$/m.exec(renew.stdout)?.[1])
  expect(renewedEnd).toBeGreaterThanOrEqual(firstEnd + 1)
  expect(Number(host.state('api', 'armed')?.expires_at)).toBe(renewedEnd)

  const result = await gate.result()
  expect(result.code).toBe(1)
  expect(result.output).toContain(`ended at ${renewedEnd} without a decision`)
  // It held on past the first lease end: the renewal, not the original lease, ended it.
  expect((gate.exitedAt ?? 0) / 1000).toBeGreaterThanOrEqual(firstEnd + 1)
})

test('once the lease has ended and nothing holds, other deploys pass again', async () => {
  await scenario.arm(1)
  await waitFor(() => Date.now() / 1000 >= Number(host.state('api', 'armed')?.expires_at), 'the lease to end')
  const cid = host.addContainer(scenario.oldImage)
  const result = await host.checkDeploy('api', {cid, command: 'ps:restart', buildSource: 'ps:restart', buildId: 'r1'}).result()
  expect(result.code).toBe(0)
  expect(result.output).toMatch(/not holding this ps:restart deploy/)
})

test('the armed push arriving after its lease ended is still caught: failed as expired, and restored', async () => {
  await scenario.arm(1)
  await waitFor(() => Date.now() / 1000 >= Number(host.state('api', 'armed')?.expires_at), 'the lease to end')
  const {cid} = host.buildReachesGate('api', {image: scenario.newImage, rev: NEW_REV})
  const result = await host.checkDeploy('api', {cid, buildId: 'slow-build', buildSource: 'git-hook', command: 'git-hook'}).result()
  expect(result.code).toBe(1)
  expect(result.output).toContain('without a decision; aborted api (web.1)')
  expect(host.state('api', 'decision')?.decision).toBe('expired')
  scenario.expectRestored()
})
