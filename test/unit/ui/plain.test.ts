import {describe, expect, it} from 'vitest'
import type {GraduationEvent} from '../../../src/graduation/events.js'
import {plainSink} from '../../../src/ui/plain.js'
import {TrackedReplay} from './tracked-replay.js'
import {abortedByFailedChecks, graduatedWithSkip, ID, partialAfterRelease, postHookFailed, PROD_1, refusedByLock, START} from './fixtures.js'

function render(events: GraduationEvent[], options: {verbose?: boolean; color?: boolean} = {}): {text: string; writes: string[]} {
  const writes: string[] = []
  const replay = new TrackedReplay()
  replay.into(plainSink({write: (text) => writes.push(text), verbose: options.verbose ?? false, color: options.color ?? false, apps: replay.apps}))
  for (const event of events) replay.play(event)
  return {text: writes.join(''), writes}
}

describe('plain lines for CI logs', () => {
  it('logs a graduation with a skipped app: stages, hosts, the plan table, app states and hook output', () => {
    expect(render(graduatedWithSkip()).text).toBe(`  +0.0s graduate dev → production, graduation 20261123T101500Z-3f9a
        manifest /home/alice/shop/graduate.yml; apps: api, web, worker
  +0.0s ==> connect
  +0.3s dokku@dev.example.com:22 connected in 310 ms
  +0.4s dokku@prod-1.example.com:22 connected in 352 ms
  +0.4s dokku@prod-2.example.com:22 connected in 395 ms
  +0.4s ==> preflight
  +1.1s warning: dokku@prod-2.example.com:22 worker: worker's worker processes start only after the release; their failure cannot be rolled back with the others
  +1.2s ==> lock
  +1.3s dokku@prod-1.example.com:22 locked production
  +1.4s dokku@prod-2.example.com:22 locked production
  +1.4s ==> plan
  +1.4s plan: 2 to deploy, 1 unchanged
          app     target                             revision           action
          api     dokku@prod-1.example.com:22        3f9a2c1 → 8b1d4e0  git push
          web     dokku@prod-1.example.com:22 (www)  1a2b3c4 → 5d6e7f8  git push
          worker  dokku@prod-2.example.com:22        77aa001            unchanged, skip
        passes over staging, which is not changed
  +1.5s ==> pre-hooks
  +1.5s PRE hook "Notify Slack" started
        [Notify Slack] posted to #deploys: graduating dev → production
  +1.9s PRE hook "Notify Slack" ok in 400 ms
  +1.9s ==> deploy
  +1.9s api (dokku@prod-1.example.com:22) fetching 8b1d4e0 from dokku@dev.example.com:22
  +1.9s web (dokku@prod-1.example.com:22) fetching 5d6e7f8 from dokku@dev.example.com:22
  +4.2s api (dokku@prod-1.example.com:22) deploying 8b1d4e0
  +4.4s web (dokku@prod-1.example.com:22) deploying 5d6e7f8
 +21.5s api (dokku@prod-1.example.com:22) held 8b1d4e0, 3f9a2c1 still serving
 +25.1s web (dokku@prod-1.example.com:22) held 5d6e7f8, 1a2b3c4 still serving
 +25.1s ==> post-hooks
 +25.1s POST hook "Migrate database" started
        [Migrate database] == 20261120093000 AddIndexToOrders: migrating
        [Migrate database] == 20261120093000 AddIndexToOrders: migrated (1.5s)
 +28.2s POST hook "Migrate database" ok in 3.1s
 +28.2s decision: release every app
 +28.2s ==> release
 +28.2s api (dokku@prod-1.example.com:22) releasing 8b1d4e0
 +28.2s web (dokku@prod-1.example.com:22) releasing 5d6e7f8
 +35.7s ==> verify
 +36.1s api (dokku@prod-1.example.com:22) live 8b1d4e0 (was 3f9a2c1)
 +36.1s web (dokku@prod-1.example.com:22) live 5d6e7f8 (was 1a2b3c4)
 +36.2s ==> record
 +36.5s ==> unlock
 +36.6s dokku@prod-1.example.com:22 unlocked production
 +36.6s dokku@prod-2.example.com:22 unlocked production
 +36.6s ==> after-hooks
 +36.7s finished: graduated in 36.7s, exit code 0
`)
  })

  it('adds each app’s Dokku lines with --verbose, so a failed health check can be read in the log', () => {
    expect(render(abortedByFailedChecks(), {verbose: true}).text).toBe(`  +0.0s graduate dev → production, graduation 20261123T101500Z-3f9a
        manifest /home/alice/shop/graduate.yml; apps: api, web
  +0.0s ==> connect
  +0.3s dokku@dev.example.com:22 connected in 300 ms
  +0.3s dokku@prod-1.example.com:22 connected in 298 ms
  +0.3s ==> preflight
  +1.0s ==> lock
  +1.1s dokku@prod-1.example.com:22 locked production
  +1.1s ==> plan
  +1.1s plan: 2 to deploy
          app  target                             revision           action
          api  dokku@prod-1.example.com:22        3f9a2c1 → 8b1d4e0  git push
          web  dokku@prod-1.example.com:22 (www)  1a2b3c4 → 5d6e7f8  git push
  +1.1s ==> pre-hooks
  +1.1s ==> deploy
  +1.1s api (dokku@prod-1.example.com:22) fetching 8b1d4e0 from dokku@dev.example.com:22
  +1.1s web (dokku@prod-1.example.com:22) fetching 5d6e7f8 from dokku@dev.example.com:22
  +3.3s api (dokku@prod-1.example.com:22) deploying 8b1d4e0
  +3.3s web (dokku@prod-1.example.com:22) deploying 5d6e7f8
        web | =====> graduate: holding www (web.1) for graduation 20261123T101500Z-3f9a; old release keeps serving
 +19.4s web (dokku@prod-1.example.com:22) held 5d6e7f8, 1a2b3c4 still serving
        api | -----> Executing 2 healthchecks
        api |        Running healthcheck name='web check' delay=0 path='/health' retries=2 timeout=2 type='path'
        api |  !     Failure in name='web check': unexpected status code 500
        api |        Healthcheck succeeded name='port listening check'
        api |  !     Could not start due to 1 failed checks (web.1)
        api | =====> Start of api container output (ec5775d5fd9f web.1)
        api | =====> End of api container output (ec5775d5fd9f web.1)
        api | parallel: This job failed:
        api | /var/lib/dokku/plugins/available/scheduler-docker-local/bin/scheduler-deploy-process-container api dockerfile dokku/api:latest latest web 1 1
        api | To prod-1.example.com:api
        api |  ! [remote rejected] main -> main (pre-receive hook declined)
        api | error: failed to push some refs to 'prod-1.example.com:api'
 +22.0s api (dokku@prod-1.example.com:22) failed: Dokku's health checks failed (web.1)
 +22.0s decision: abort every app: api on dokku@prod-1.example.com:22: Dokku's health checks failed (web.1)
 +22.0s ==> abort
 +22.0s web (dokku@prod-1.example.com:22) aborting 5d6e7f8
        web |  !     graduate: aborted www (web.1) by graduation 20261123T101500Z-3f9a; restored dokku/www:latest and GIT_REV
 +23.5s ==> verify
 +23.9s web (dokku@prod-1.example.com:22) aborted, 1a2b3c4 kept serving
 +24.0s ==> record
 +24.3s ==> unlock
 +24.4s dokku@prod-1.example.com:22 unlocked production
 +24.4s ==> after-hooks
 +24.4s aborted hook "Page on-call" started
        [Page on-call] paged #ops: graduation 20261123T101500Z-3f9a aborted
 +25.0s aborted hook "Page on-call" ok in 600 ms
 +27.9s finished: aborted in 27.9s, exit code 1
`)
  })

  it('leaves Dokku lines out without --verbose', () => {
    const {text} = render(abortedByFailedChecks())
    expect(text).not.toContain('api |')
    expect(text).toContain(' +22.0s api (dokku@prod-1.example.com:22) failed: Dokku\'s health checks failed (web.1)\n')
  })

  it('shows a failing POST hook’s output under its label and names its exit code', () => {
    expect(render(postHookFailed()).text).toBe(`  +0.0s graduate dev → production, graduation 20261123T101500Z-3f9a
        manifest /home/alice/shop/graduate.yml; apps: api, web
  +0.0s ==> connect
  +0.3s dokku@dev.example.com:22 connected in 300 ms
  +0.3s dokku@prod-1.example.com:22 connected in 298 ms
  +0.3s ==> preflight
  +1.0s ==> lock
  +1.1s dokku@prod-1.example.com:22 locked production
  +1.1s ==> plan
  +1.1s plan: 2 to deploy
          app  target                             revision           action
          api  dokku@prod-1.example.com:22        3f9a2c1 → 8b1d4e0  git push
          web  dokku@prod-1.example.com:22 (www)  1a2b3c4 → 5d6e7f8  git push
  +1.1s ==> pre-hooks
  +1.1s ==> deploy
  +1.1s api (dokku@prod-1.example.com:22) fetching 8b1d4e0 from dokku@dev.example.com:22
  +1.1s web (dokku@prod-1.example.com:22) fetching 5d6e7f8 from dokku@dev.example.com:22
  +3.3s api (dokku@prod-1.example.com:22) deploying 8b1d4e0
  +3.3s web (dokku@prod-1.example.com:22) deploying 5d6e7f8
 +20.1s api (dokku@prod-1.example.com:22) held 8b1d4e0, 3f9a2c1 still serving
 +21.3s web (dokku@prod-1.example.com:22) held 5d6e7f8, 1a2b3c4 still serving
 +21.3s ==> post-hooks
 +21.3s POST hook "Migrate database" started
        [Migrate database] == 20261120093000 AddIndexToOrders: migrating
        [Migrate database] PG::DuplicateTable: ERROR:  relation "index_orders_on_state" already exists
        [Migrate database] rake aborted!
 +25.5s POST hook "Migrate database" failed with exit code 1 after 4.2s
 +25.5s decision: abort every app: the post hook "Migrate database" failed (exit 1)
 +25.5s ==> abort
 +25.5s api (dokku@prod-1.example.com:22) aborting 8b1d4e0
 +25.5s web (dokku@prod-1.example.com:22) aborting 5d6e7f8
 +27.0s ==> verify
 +27.4s api (dokku@prod-1.example.com:22) aborted, 3f9a2c1 kept serving
 +27.4s web (dokku@prod-1.example.com:22) aborted, 1a2b3c4 kept serving
 +27.5s ==> record
 +27.8s ==> unlock
 +27.9s dokku@prod-1.example.com:22 unlocked production
 +27.9s ==> after-hooks
 +30.5s finished: aborted in 30.5s, exit code 1
`)
  })

  it('logs a release that left one app partial', () => {
    expect(render(partialAfterRelease()).text).toBe(`  +0.0s graduate dev → production, graduation 20261123T101500Z-3f9a
        manifest /home/alice/shop/graduate.yml; apps: api, web
  +0.0s ==> connect
  +0.3s dokku@dev.example.com:22 connected in 300 ms
  +0.3s dokku@prod-1.example.com:22 connected in 298 ms
  +0.3s dokku@prod-2.example.com:22 connected in 301 ms
  +0.3s ==> preflight
  +1.0s ==> lock
  +1.1s dokku@prod-1.example.com:22 locked production
  +1.1s dokku@prod-2.example.com:22 locked production
  +1.1s ==> plan
  +1.1s plan: 2 to deploy
          app  target                             revision           action
          api  dokku@prod-1.example.com:22        3f9a2c1 → 8b1d4e0  git push
          web  dokku@prod-2.example.com:22 (www)  1a2b3c4 → 5d6e7f8  git push
  +1.1s ==> pre-hooks
  +1.1s ==> deploy
  +1.1s api (dokku@prod-1.example.com:22) fetching 8b1d4e0 from dokku@dev.example.com:22
  +1.1s web (dokku@prod-2.example.com:22) fetching 5d6e7f8 from dokku@dev.example.com:22
  +3.3s api (dokku@prod-1.example.com:22) deploying 8b1d4e0
  +3.3s web (dokku@prod-2.example.com:22) deploying 5d6e7f8
 +20.1s api (dokku@prod-1.example.com:22) held 8b1d4e0, 3f9a2c1 still serving
 +21.3s web (dokku@prod-2.example.com:22) held 5d6e7f8, 1a2b3c4 still serving
 +21.3s ==> post-hooks
 +21.3s decision: release every app
 +21.3s ==> release
 +21.3s api (dokku@prod-1.example.com:22) releasing 8b1d4e0
 +21.3s web (dokku@prod-2.example.com:22) releasing 5d6e7f8
 +21.9s warning: dokku@prod-2.example.com:22: could not deliver the release to www: connection lost
+141.3s ==> verify
+141.7s api (dokku@prod-1.example.com:22) live 8b1d4e0 (was 3f9a2c1)
+141.7s web (dokku@prod-2.example.com:22) PARTIAL: released, but web on dokku@prod-2.example.com:22: the push was cut off before it finished (connection to dokku@prod-2.example.com:22 lost)
+141.8s ==> record
+142.1s ==> unlock
+142.2s dokku@prod-1.example.com:22 unlocked production
+142.2s dokku@prod-2.example.com:22 unlocked production
+142.2s ==> after-hooks
+151.2s finished: partial in 2m 31s, exit code 5
`)
  })

  it('names who holds the lock, and since when', () => {
    expect(render(refusedByLock()).text).toBe(`  +0.0s graduate dev → production, graduation 20261123T101500Z-3f9a
        manifest /home/alice/shop/graduate.yml; apps: api, worker
  +0.0s ==> connect
  +0.3s dokku@dev.example.com:22 connected in 300 ms
  +0.3s dokku@prod-1.example.com:22 connected in 298 ms
  +0.3s dokku@prod-2.example.com:22 connected in 301 ms
  +0.3s ==> preflight
  +1.0s ==> lock
  +1.1s dokku@prod-1.example.com:22 locked production
  +1.3s dokku@prod-1.example.com:22 unlocked production
  +1.3s production is locked on dokku@prod-2.example.com:22 by bob@ci-runner-3 for 12m 03s (since 2026-11-23T10:02:58.310Z)
  +1.5s finished: refused in 1.5s, exit code 4
`)
  })

  it('writes whole lines only, and no cursor movement or colour when colour is off', () => {
    const {writes} = render(abortedByFailedChecks(), {verbose: true})
    for (const write of writes) expect(write).toMatch(/^[^\u001b\r]*\n$/s)
  })

  it('colours stage headers and failures when colour is on', () => {
    const {text} = render(postHookFailed(), {color: true})
    expect(text).toContain('\u001b[1m==> post-hooks\u001b[22m')
    expect(text).toContain('POST hook "Migrate database" \u001b[31mfailed with exit code 1\u001b[39m after 4.2s')
  })

  it('removes terminal control sequences from hook output', () => {
    const event: GraduationEvent = {
      ts: new Date(START).toISOString(),
      id: ID,
      env: 'production',
      type: 'hook-output',
      phase: 'post',
      label: 'Migrate database',
      stream: 'stdout',
      line: '\u001b[32mok\u001b[0m\u001b[2J\u0007 done\t(1 table)\r',
    }
    expect(render([event]).text).toBe('        [Migrate database] ok done  (1 table)\n')
  })

  it('names the problem, its host and app, and the fix', () => {
    const event: GraduationEvent = {
      ts: new Date(START + 800).toISOString(),
      id: ID,
      env: 'production',
      type: 'problem',
      host: PROD_1,
      app: 'api',
      severity: 'error',
      message: "checks are disabled for api's web process, so Dokku never calls check-deploy and nothing can hold the deploy",
      fix: 'dokku checks:enable api web',
    }
    expect(render([event]).text).toBe(
      `  +0.0s error: ${PROD_1} api: checks are disabled for api's web process, so Dokku never calls check-deploy and nothing can hold the deploy\n` +
        '        fix: dokku checks:enable api web\n',
    )
  })

  it('shows how a host was reached over SSH only with --verbose', () => {
    const event: GraduationEvent = {
      ts: new Date(START).toISOString(),
      id: ID,
      env: 'production',
      type: 'host',
      host: PROD_1,
      state: 'connected',
      durationMs: 310,
      settings: ['deploy@prod:2222: host 10.0.0.5 (ssh config), port 2222 (ssh config), user deploy (ssh config)', '  via me@bastion:22: host bastion, port 22, user me'],
    }
    expect(render([event], {verbose: true}).text).toBe(
      `  +0.0s ${PROD_1} connected in 310 ms\n` +
        '        deploy@prod:2222: host 10.0.0.5 (ssh config), port 2222 (ssh config), user deploy (ssh config)\n' +
        '          via me@bastion:22: host bastion, port 22, user me\n',
    )
    expect(render([event]).text).toBe(`  +0.0s ${PROD_1} connected in 310 ms\n`)
  })
})
