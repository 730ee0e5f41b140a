#!/usr/bin/env bash
# Installs the Stan peer used by lockstep's benchmarks: Debian's rstan (Stan 2.21), the posterior
# package (bulk ESS / R-hat of Vehtari et al. 2021) and jsonlite, plus the Boost headers that rstan
# compiles models against.
#
# Idempotent and quiet: it installs only what is missing, runs `apt-get update` only when a package it
# needs has no install candidate, and prints one summary line on stderr (apt's output goes to a log).
# Exit status: 0 when rstan can be loaded and the Boost headers are found through BH, non-zero otherwise.
#
# Debian's r-cran-bh is a virtual package: it installs BH's DESCRIPTION but not its include/ folder,
# because Debian ships Boost as libboost-dev. rstan/StanHeaders look for Boost in
# system.file("include", package = "BH"), so we make BH/include a folder holding a `boost` link to
# /usr/include/boost. An existing, working BH include folder is never touched.
#
# Usage: bash bench/peers/install_stan.sh            (needs root, as apt-get does)
set -euo pipefail

log="${TMPDIR:-/tmp}/lockstep_install_stan.log"
: >"$log"
say() { echo "install_stan: $*" >&2; }
die() { say "$*"; say "apt log: $log"; exit 1; }

pkgs=(r-base-core r-cran-rstan r-cran-posterior r-cran-jsonlite libboost-dev)

installed() {  # true when dpkg reports the package as installed
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}
has_candidate() {  # true when apt knows a version it can install
  local c
  c="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2; exit}')"
  [[ -n "$c" && "$c" != "(none)" ]]
}

missing=()
for p in "${pkgs[@]}"; do
  installed "$p" || missing+=("$p")
done

if ((${#missing[@]})); then
  command -v apt-get >/dev/null || die "apt-get not found; cannot install ${missing[*]}"
  sudo_cmd=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || die "not root and no sudo; cannot install ${missing[*]}"
    sudo_cmd=(sudo)
  fi
  need_update=0
  for p in "${missing[@]}"; do has_candidate "$p" || need_update=1; done
  if ((need_update)); then
    "${sudo_cmd[@]}" apt-get update -qq >>"$log" 2>&1 || die "apt-get update failed"
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >>"$log" 2>&1 || die "apt-get install ${missing[*]} failed"
  say "installed ${missing[*]}"
fi

[[ -f /usr/include/boost/version.hpp ]] || die "/usr/include/boost/version.hpp missing after installing libboost-dev"

# --- BH include fix -------------------------------------------------------------------------------
bh_dir="$(Rscript -e 'cat(system.file(package = "BH"))' 2>/dev/null || true)"
[[ -n "$bh_dir" ]] || bh_dir=/usr/lib/R/site-library/BH
[[ -d "$bh_dir" ]] || die "R package BH not found (expected $bh_dir)"
inc="$bh_dir/include"
if [[ -f "$inc/boost/version.hpp" ]]; then
  :  # a real BH install or an earlier fix: leave it alone
else
  sudo_cmd=()
  [[ "$(id -u)" == 0 ]] || sudo_cmd=(sudo)
  if [[ -L "$inc" && ! -e "$inc" ]]; then
    "${sudo_cmd[@]}" rm -f "$inc"  # dangling link left by an earlier attempt
  fi
  if [[ -e "$inc" && ! -d "$inc" ]]; then
    die "$inc exists but is not a folder; not touching it"
  fi
  "${sudo_cmd[@]}" mkdir -p "$inc"
  if [[ -L "$inc/boost" && ! -e "$inc/boost" ]]; then
    "${sudo_cmd[@]}" rm -f "$inc/boost"  # dangling link
  fi
  if [[ -e "$inc/boost" ]]; then
    die "$inc/boost exists but has no version.hpp; not touching it"
  fi
  "${sudo_cmd[@]}" ln -s /usr/include/boost "$inc/boost"
  say "linked $inc/boost -> /usr/include/boost"
fi

# --- check ----------------------------------------------------------------------------------------
check="$(Rscript -e 'suppressPackageStartupMessages({library(rstan); library(posterior); library(jsonlite)});
  stopifnot(file.exists(file.path(system.file("include", package = "BH"), "boost", "version.hpp")));
  cat(as.character(packageVersion("rstan")))' 2>>"$log")" || die "rstan/posterior/jsonlite do not load"
say "ok: rstan $check, Boost headers via $inc"
