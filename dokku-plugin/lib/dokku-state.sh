# shellcheck shell=bash
# The globals set here are read by the scripts that source this file.
# shellcheck disable=SC2034
# Dokku's own state, read where Dokku keeps it, for the verbs that answer for many apps at once
# (graduate:facts, the batch form of graduate:arm): a file read costs nothing next to a Dokku command,
# which starts bash, plugn and report triggers on a real host. Only plain values are read this way —
# what Dokku computes (config, templates) is still asked of Dokku's commands. Paths and rules are
# Dokku 0.38's (dokku-contract.md §2.3; plugins/common/properties.go, plugins/*/report.go).

DOKKU_ROOT_DIR=${DOKKU_ROOT:-/home/dokku}
DOKKU_CONFIG_ROOT="${DOKKU_LIB_ROOT:-/var/lib/dokku}/config"

# Dokku's own test of an app (verify_app_name): its directory under DOKKU_ROOT.
dokku_app_exists() { [[ -d $DOKKU_ROOT_DIR/$1 ]]; }

# dokku_property <plugin> <app|--global> <key>: Dokku's PropertyGet: the content of
# $DOKKU_LIB_ROOT/config/<plugin>/<app>/<key>, '' when absent. Sets PROPERTY; no subshell.
dokku_property() {
  PROPERTY=""
  local file="$DOKKU_CONFIG_ROOT/$1/$2/$3"
  [[ -f $file ]] || return 0
  IFS= read -r -d '' PROPERTY <"$file" || true
  while [[ $PROPERTY == *$'\n' ]]; do PROPERTY=${PROPERTY%$'\n'}; done
}

# dokku_computed <plugin> <app> <key> <default>: the app's value, else the global one, else the
# default — how Dokku's reports compute their `computed-*` keys for these properties.
dokku_computed() {
  dokku_property "$1" "$2" "$3"
  [[ -n $PROPERTY ]] || dokku_property "$1" --global "$3"
  [[ -n $PROPERTY ]] || PROPERTY=$4
}

# dokku_rev_env_var <app>: `git:report --git-rev-env-var` (PropertyGetDefault: GIT_REV only when the
# property is absent), with an empty value read as GIT_REV as graduate:arm always has. Sets REV_ENV_VAR.
dokku_rev_env_var() {
  REV_ENV_VAR=GIT_REV
  if [[ -f $DOKKU_CONFIG_ROOT/git/$1/rev-env-var ]]; then
    dokku_property git "$1" rev-env-var
    REV_ENV_VAR=${PROPERTY:-GIT_REV}
  fi
}
