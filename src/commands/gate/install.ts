import {gateCommand} from '../../cli/gate-command.js'

export default gateCommand('install', {
  summary: "Install graduate's gate plugin on every host of an environment, over SSH as root.",
  description: `The gate plugin holds each new release after Dokku's health checks until graduate releases or
aborts it; every target host needs it (and a source host whose apps are promoted as images). Dokku
installs plugins only as root, so this logs in as root (or --user, through \`sudo -n dokku\`) with the
manifest's host, port, key and known_hosts, uploads the plugin that ships with this graduate, and runs
\`dokku plugin:install file://… --name graduate\`.

Idempotent: a host that has this version already is left alone. A host with an older version is left
alone too — \`graduate gate upgrade\` replaces it — and a newer one is refused unless --force. Asks
before changing any host.`,
  examples: [
    {description: "Install the gate on production's hosts", command: '<%= config.bin %> gate install production'},
    {description: 'As a user with passwordless sudo, without a prompt', command: '<%= config.bin %> gate install production --user deploy --yes'},
  ],
})
