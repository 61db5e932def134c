# Sourced by the test scripts that need Python packages from PyPI: `venv_install PKG==VERSION…`
# installs each pinned package into target/venv (created, with Debian's python3-venv when
# missing) unless that version is already there; `$venv` is the environment's directory.
venv=target/venv

venv_install() {
  local missing=()
  for pinned in "$@"; do
    # grep reads all of pip's answer (no -q): an early exit would break its pipe and fail pipefail.
    "$venv/bin/pip" show "${pinned%%==*}" 2>/dev/null | grep -x "Version: ${pinned##*==}" >/dev/null || missing+=("$pinned")
  done
  ((${#missing[@]})) || return 0
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    echo "installing python3-venv"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  echo "installing ${missing[*]} into $venv"
  "$venv/bin/pip" install -q "${missing[@]}"
}
