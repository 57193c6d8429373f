import {describe, expect, it} from 'vitest'

import {migrationLikeTasks, parseReleaseTasks} from '../../../src/dokku/parse/release-tasks.js'

describe('parseReleaseTasks: the Procfile, as procfile-util reads it', () => {
  it('finds the release entry among comments, blank lines and other types', () => {
    const procfile = ['# processes', '', 'web: bundle exec puma -p $PORT', '  release:   bin/rails db:migrate  ', '// alternate comment', 'worker: bin/jobs', ''].join('\n')
    expect(parseReleaseTasks({procfile})).toEqual({release: 'bin/rails db:migrate'})
  })

  it('drops a trailing comment only when whitespace comes before its # or //', () => {
    expect(parseReleaseTasks({procfile: 'release: bin/migrate  # before the hold'}).release).toBe('bin/migrate')
    expect(parseReleaseTasks({procfile: 'release: bin/migrate // note'}).release).toBe('bin/migrate')
    expect(parseReleaseTasks({procfile: 'release: curl http://x/#frag'}).release).toBe('curl http://x/#frag')
  })

  it('reads Windows line endings', () => {
    expect(parseReleaseTasks({procfile: 'web: run\r\nrelease: bin/migrate\r\n'}).release).toBe('bin/migrate')
  })

  it('has no release task when there is none', () => {
    expect(parseReleaseTasks({procfile: 'web: node server.js\n'})).toEqual({})
  })

  it.each([
    ['a line that is not type: command', 'web: node server.js\n<<<<<<< HEAD\nrelease: bin/migrate\n'],
    ['a duplicate process type', 'release: bin/migrate\nrelease: bin/other\n'],
    ['a command that is only a comment', 'web: run\nrelease: # nothing\n'],
    ['a process type over 63 characters', `${'w'.repeat(64)}: run\nrelease: bin/migrate\n`],
  ])('has none in a Procfile Dokku refuses: %s', (_why, procfile) => {
    expect(parseReleaseTasks({procfile})).toEqual({})
  })
})

describe('parseReleaseTasks: app.json scripts.dokku', () => {
  it('reads predeploy and postdeploy', () => {
    const appJson = JSON.stringify({name: 'api', scripts: {dokku: {predeploy: 'python manage.py migrate', postdeploy: 'bin/warm-cache'}, postdeploy: 'heroku only'}})
    expect(parseReleaseTasks({appJson})).toEqual({predeploy: 'python manage.py migrate', postdeploy: 'bin/warm-cache'})
  })

  it('combines both files', () => {
    expect(parseReleaseTasks({procfile: 'release: bin/release', appJson: '{"scripts":{"dokku":{"predeploy":"bin/pre"}}}'})).toEqual({release: 'bin/release', predeploy: 'bin/pre'})
  })

  it.each([
    ['no scripts', '{"formation":{"web":{"quantity":2}}}'],
    ['null scripts', '{"scripts":null}'],
    ['an empty predeploy', '{"scripts":{"dokku":{"predeploy":""}}}'],
  ])('has no task with %s', (_why, appJson) => {
    expect(parseReleaseTasks({appJson})).toEqual({})
  })

  it.each([
    ['malformed JSON', '{"scripts": {"dokku": {"predeploy": "bin/migrate"'],
    ['a JSON array', '[]'],
    ['a script that is not a string', '{"scripts":{"dokku":{"predeploy":["bin/migrate"]}}}'],
    ['scripts.dokku that is not an object', '{"scripts":{"dokku":"bin/migrate"}}'],
  ])('has none, without throwing, for %s', (_why, appJson) => {
    expect(parseReleaseTasks({appJson})).toEqual({})
  })
})

describe('migrationLikeTasks', () => {
  it.each([
    'python manage.py migrate --noinput',
    'bin/rails db:migrate',
    'bundle exec rake db:schema:load',
    'alembic upgrade head',
    'flask db upgrade',
    'npx prisma migrate deploy',
    'npx prisma db push',
    'knex migrate:latest',
    'npx sequelize-cli db:migrate',
    'npx sequelize db:seed:all',
    'flyway -url=jdbc:postgresql://db/app info',
    'liquibase update',
    'dbmate up',
    'sqitch deploy',
    'goose -dir db postgres "$DATABASE_URL" up',
    'php artisan migrate --force',
    'mix ecto.migrate',
    'typeorm migration:run',
    'bin/migrate',
    'php bin/console doctrine:schema:update --force',
  ])('flags the Procfile release "%s"', (command) => {
    expect(migrationLikeTasks({release: command})).toEqual([{where: 'Procfile release', command}])
  })

  it('flags a migrating predeploy, and names where it is', () => {
    expect(migrationLikeTasks({predeploy: 'python manage.py migrate'})).toEqual([{where: 'app.json predeploy', command: 'python manage.py migrate'}])
  })

  it('leaves postdeploy alone: it runs after the release', () => {
    expect(migrationLikeTasks({postdeploy: 'python manage.py migrate'})).toEqual([])
  })

  it.each(['bin/compile-assets', 'npm run build', 'python manage.py collectstatic --noinput', 'echo released'])('does not flag "%s"', (command) => {
    expect(migrationLikeTasks({release: command, predeploy: command})).toEqual([])
  })
})
