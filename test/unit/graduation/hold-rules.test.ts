import {describe, expect, it} from 'vitest'
import type {AppFacts} from '../../../src/graduation/app-facts.js'
import {version} from '../../../src/dokku/commands/core.js'
import {parseDokkuVersion} from '../../../src/dokku/parse/version.js'
import {HOLD_RULES, judgeDokku, judgeGateHook} from '../../../src/graduation/hold-rules.js'

const holdable = {app: 'api', proxyType: 'nginx', scheduler: 'docker-local', checksDisabled: [], checksSkipped: [], skipDeploy: false} as unknown as AppFacts

function verdicts(facts: Partial<AppFacts>) {
  return Object.fromEntries(HOLD_RULES.map((rule) => [rule.id, rule.judge({...holdable, ...facts} as AppFacts)]))
}

describe('the rules that decide whether a target can be held', () => {
  it('pass an app on nginx, docker-local, with checks and without skip-deploy', () => {
    expect(verdicts({})).toEqual({
      proxy: {status: 'ok', found: expect.stringContaining('nginx')},
      scheduler: {status: 'ok', found: 'docker-local'},
      checks: {status: 'ok', found: 'enabled for web'},
      'skip-deploy': undefined,
    })
  })

  it('fail each setting that lets a deploy reach traffic unheld, with the command that fixes it', () => {
    expect(verdicts({proxyType: 'traefik'}).proxy).toEqual({status: 'fail', found: expect.stringContaining('traefik routes by container labels'), fix: 'dokku proxy:set api nginx'})
    expect(verdicts({proxyType: 'none'}).proxy).toMatchObject({status: 'fail', found: 'none: only nginx keeps a held deploy away from traffic'})
    expect(verdicts({scheduler: 'k3s'}).scheduler).toEqual({status: 'fail', found: expect.stringContaining('k3s'), fix: 'dokku scheduler:set api selected docker-local'})
    expect(verdicts({checksDisabled: ['_all_']}).checks).toMatchObject({status: 'fail', fix: 'dokku checks:enable api web'})
    expect(verdicts({checksDisabled: ['web']}).checks).toMatchObject({status: 'fail'})
    expect(verdicts({skipDeploy: true})['skip-deploy']).toEqual({status: 'fail', found: expect.stringContaining('skip-deploy is set'), fix: 'dokku ps:set api skip-deploy false'})
  })

  it('only warn when checks are skipped: the deploy is still held, without a health check', () => {
    expect(verdicts({checksSkipped: ['web']}).checks).toMatchObject({status: 'warn'})
    expect(verdicts({checksDisabled: ['worker']}).checks).toMatchObject({status: 'ok'})
  })
})

describe('the rules about a host', () => {
  it('want Dokku 0.38.0 or newer', () => {
    expect(judgeDokku(parseDokkuVersion('dokku version 0.38.27', version()))).toEqual({status: 'ok', found: 'Dokku 0.38.27'})
    expect(judgeDokku(parseDokkuVersion('dokku version 0.37.9', version()))).toMatchObject({status: 'fail', found: expect.stringContaining('graduate needs 0.38.0 or newer'), fix: expect.stringContaining('upgrade Dokku')})
  })

  it("want the gate's hold hook enabled, and name the environment to reinstall it for", () => {
    expect(judgeGateHook(true, 'production')).toMatchObject({status: 'ok'})
    expect(judgeGateHook(false, 'production')).toEqual({status: 'fail', found: expect.stringContaining('zz-graduate-gate is not enabled'), fix: 'reinstall the plugin: graduate gate upgrade production --force'})
  })
})
