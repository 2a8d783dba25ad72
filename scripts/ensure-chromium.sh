#!/usr/bin/env bash
# The end-to-end tests drive Debian's Chromium. Install it when it is missing
# and we may (root with apt-get); otherwise those tests skip and say why.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installation de Chromium (tests de bout en bout)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
else
  echo "Chromium absent : installez le paquet 'chromium' pour lancer les tests de bout en bout." >&2
fi
