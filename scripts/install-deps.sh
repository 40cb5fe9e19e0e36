#!/usr/bin/env bash
# Installs the Debian packages motcua needs. Idempotent: only missing
# packages are installed. Usage: scripts/install-deps.sh [build|test|bench]...
set -euo pipefail

build_pkgs=(
  build-essential pkg-config
  libevent-dev libjansson-dev libsqlite3-dev libssl-dev libargon2-dev
  liboath-dev libcairo2-dev libpango1.0-dev libpng-dev libqrencode-dev
  libcurl4-openssl-dev libxlsxwriter-dev libxml2-dev libzxcvbn-dev zlib1g-dev
  libjpeg-dev  # JPEG scans of certified copies (docs/certified-copies.md)
  libpoppler-glib-dev  # the text of PDF documents for search (docs/search.md)
  fonts-noto-core
  libengine-pkcs11-openssl  # signing keys on PKCS#11 tokens (docs/keys.md)
  libreoffice-writer-nogui  # Word bodies of documents made into PDF, run by serve (docs/documents.md)
  libxmlsec1-dev libxmlsec1-openssl  # edXML envelope signatures (docs/exchange.md)
)
test_pkgs=(clang libclang-rt-14-dev curl poppler-utils zbar-tools chromium nodejs npm sqlite3
  softhsm2 opensc  # a software token and its tool for the PKCS#11 tests
  qpdf libnss3-tools openssl  # PDF checks: qpdf, pdfsig's NSS trust store
  unzip  # the XLSX registers' sheets, read back by the tests
  xmlsec1)  # checks the edXML signatures motcua makes (docs/exchange.md)
bench_pkgs=(nginx-light wrk curl)

want=()
for set in "${@:-build}"; do
  case "$set" in
    build) want+=("${build_pkgs[@]}") ;;
    test)  want+=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
    bench) want+=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
    *) echo "install-deps: unknown set '$set' (build, test, bench)" >&2; exit 2 ;;
  esac
done

missing=()
for p in $(printf '%s\n' "${want[@]}" | sort -u); do
  # node may come from outside Debian (nodesource); accept any working node/npm.
  if [[ $p == nodejs ]] && command -v node >/dev/null; then continue; fi
  if [[ $p == npm ]] && command -v npm >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
