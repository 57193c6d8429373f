import {stripVTControlCharacters} from 'node:util'
import {describe, expect, it} from 'vitest'
import type {GraduationSummary} from '../../../src/graduation/events.js'
import {renderSummary} from '../../../src/ui/summary.js'
import {abortedByFailedChecks, FAILED_CHECK_LINES, graduatedWithSkip, partialAfterRelease, postHookFailed, refusedByLock, summaryOf} from './fixtures.js'

const plain = (summary: GraduationSummary, verbose = false) => renderSummary(summary, {color: false, verbose})

describe('the final summary', () => {
  it('reports a graduation: headline, every app with old → new revision and when it went live, the flip skew, hooks', () => {
    expect(plain(summaryOf(graduatedWithSkip()))).toBe(`Graduated 2 apps from dev to production in 36.7s (1 unchanged)

  app        host                         revision           result   went live (UTC)
  api        dokku@prod-1.example.com:22  3f9a2c1 → 8b1d4e0  live     10:15:33.512
  web (www)  dokku@prod-1.example.com:22  1a2b3c4 → 5d6e7f8  live     10:15:33.596
  worker     dokku@prod-2.example.com:22  77aa001 unchanged  skipped  -

flip skew 84 ms: api went live first, web last

hooks
  PRE hook "Notify Slack"       ok  400 ms
  POST hook "Migrate database"  ok  3.1s

exit code 0 — graduated: every changed app is live (or nothing to do)
`)
  })

  it('reports an abort caused by failed checks with the failed checks and the app’s last Dokku lines', () => {
    expect(plain(summaryOf(abortedByFailedChecks()))).toBe(`Aborted: api on dokku@prod-1.example.com:22: Dokku's health checks failed (web.1) — no app changed,
  the old releases kept serving

  app        host                         revision           result   went live (UTC)
  api        dokku@prod-1.example.com:22  3f9a2c1 → 8b1d4e0  failed   -
  web (www)  dokku@prod-1.example.com:22  1a2b3c4 → 5d6e7f8  aborted  -

flip skew n/a: no app went live

api on dokku@prod-1.example.com:22 failed: Dokku's health checks failed (web.1)
  Dokku reported:
    Failure in name='web check': unexpected status code 500
    Could not start due to 1 failed checks (web.1)
  last lines of its Dokku deploy output:
  |  !     Could not start due to 1 failed checks (web.1)
  | =====> Start of api container output (ec5775d5fd9f web.1)
  | =====> End of api container output (ec5775d5fd9f web.1)
  | parallel: This job failed:
  | /var/lib/dokku/plugins/available/scheduler-docker-local/bin/scheduler-deploy-process-container
  |   api dockerfile dokku/api:latest latest web 1 1
  | To prod-1.example.com:api
  |  ! [remote rejected] main -> main (pre-receive hook declined)
  | error: failed to push some refs to 'prod-1.example.com:api'

hooks
  aborted hook "Page on-call"  ok  600 ms

exit code 1 — aborted cleanly: no app changed, the old releases kept serving
`)
  })

  it('shows every kept Dokku line with --verbose', () => {
    const text = plain(summaryOf(abortedByFailedChecks()), true)
    for (const line of FAILED_CHECK_LINES) expect(text).toContain(`\n  | ${line.slice(0, 60)}`)
    expect(plain(summaryOf(abortedByFailedChecks()))).not.toContain(FAILED_CHECK_LINES[0])
  })

  it('names the POST hook that failed and its exit code, and the hooks it stopped', () => {
    expect(plain(summaryOf(postHookFailed()))).toBe(`Aborted: the post hook "Migrate database" failed (exit 1) — no app changed, the old releases kept
  serving

  app        host                         revision           result   went live (UTC)
  api        dokku@prod-1.example.com:22  3f9a2c1 → 8b1d4e0  aborted  -
  web (www)  dokku@prod-1.example.com:22  1a2b3c4 → 5d6e7f8  aborted  -

flip skew n/a: no app went live

hooks
  POST hook "Migrate database"  failed   exit code 1 after 4.2s
  POST hook "Warm caches"       skipped  an earlier hook failed

exit code 1 — aborted cleanly: no app changed, the old releases kept serving
`)
  })

  it('names a timed-out hook and how long it ran', () => {
    const summary = summaryOf(postHookFailed())
    summary.hooks = [{phase: 'post', label: 'Migrate database', result: 'timeout', exitCode: null, durationMs: 1_800_000}]
    expect(plain(summary)).toContain('\nhooks\n  POST hook "Migrate database"  timed out  after 30m 00s\n')
  })

  it('reports a partial graduation with what the app serves now and its repair command', () => {
    expect(plain(summaryOf(partialAfterRelease()))).toBe(`PARTIAL: web did not go live after the release was decided; the other apps did — 1 of 2 apps went
  live; repair the others as shown below

  app        host                         revision           result   went live (UTC)
  api        dokku@prod-1.example.com:22  3f9a2c1 → 8b1d4e0  live     10:15:26.810
  web (www)  dokku@prod-2.example.com:22  1a2b3c4 → 5d6e7f8  PARTIAL  -

flip skew n/a: only api went live

web on dokku@prod-2.example.com:22 is PARTIAL: released, but web on dokku@prod-2.example.com:22:
  the push was cut off before it finished (connection to dokku@prod-2.example.com:22 lost)
  still serves the old release 1a2b3c4
  repair: graduate dev production --only web
  last lines of its Dokku deploy output:
  | =====> graduate: holding www (web.1) for graduation 20261123T101500Z-3f9a; old release keeps
  |   serving
  |        graduate: still holding www (web.1) for 20261123T101500Z-3f9a, 15s held, lease ends in
  |   45s

exit code 5 — partial: failed after the decision; the summary names each app and its repair command
`)
  })

  it('reports a refusal without calling apps aborted', () => {
    expect(plain(summaryOf(refusedByLock()))).toBe(`Refused: production is locked on dokku@prod-2.example.com:22 by bob@ci-runner-3 (graduation
  20261123T100310Z-77c1), taken 12 min ago, expires in 8 min — nothing was changed

  app     host                         revision           result        went live (UTC)
  api     dokku@prod-1.example.com:22  3f9a2c1 → 8b1d4e0  not deployed  -
  worker  dokku@prod-2.example.com:22  77aa001 unchanged  skipped       -

exit code 4 — the environment is locked by another graduation
`)
  })

  it('says why the flip skew is unknown when a live app has no recorded time', () => {
    const summary = summaryOf(graduatedWithSkip())
    summary.flipSkewMs = null
    summary.apps[1] = {...summary.apps[1]!, liveAt: null}
    expect(plain(summary)).toContain('\nflip skew unknown: when web went live was not recorded\n')
  })

  it('words the headline for each outcome that deployed nothing', () => {
    const base = summaryOf(refusedByLock())
    const headline = (summary: GraduationSummary) => plain(summary).split('\n\n')[0]
    expect(headline({...base, outcome: 'dry-run', exitCode: 0, cause: undefined})).toBe('Dry run: 1 app would graduate from dev to production, 1 unchanged — nothing was changed')
    expect(headline({...base, outcome: 'nothing-to-do', exitCode: 0, cause: undefined, apps: []})).toBe('Nothing to graduate: every app in production already runs what dev runs')
    expect(headline({...base, outcome: 'interrupted', exitCode: 130, cause: 'interrupted before the decision'})).toBe(
      'Interrupted: interrupted before the decision — every app was aborted, the old releases kept serving',
    )
    expect(plain({...base, outcome: 'dry-run', exitCode: 0, cause: undefined})).toContain('  api     dokku@prod-1.example.com:22  3f9a2c1 → 8b1d4e0  would deploy')
  })

  it('keeps every line under 100 columns, cutting long host and app names', () => {
    const summary = summaryOf(abortedByFailedChecks())
    const host = 'dokku@a-very-long-host-name-in-a-deeply-nested-subdomain.europe-west.example.com:2222'
    summary.apps = summary.apps.map((app) => ({...app, app: `${app.app}-with-a-rather-long-manifest-name`, host}))
    const lines = plain(summary).trimEnd().split('\n')
    for (const line of lines) expect(line.length).toBeLessThan(100)
    expect(lines).toContain('  api-with-a-rather-long-m…  dokku@a-very-long-host-n…  3f9a2c1 → 8b1d4e0  failed   -')
  })

  it('colours only when asked', () => {
    const summary = summaryOf(partialAfterRelease())
    const coloured = renderSummary(summary, {color: true})
    expect(coloured).toContain('\u001b[31m')
    expect(stripVTControlCharacters(coloured)).toBe(plain(summary))
    expect(plain(summary)).not.toContain('\u001b')
  })
})
