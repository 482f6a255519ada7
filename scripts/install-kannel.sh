#!/usr/bin/env bash
# Installs Debian's Kannel packages for the bench's Kannel workload (bench/workloads/kannel.ts):
# `kannel` (bearerbox, smsbox) and `kannel-extras` (fakesmsc, Kannel's test SMSC). Optional: the
# bench skips that workload, and says so, when they are missing. Debian or Ubuntu only.
set -euo pipefail

if [ -x /usr/sbin/bearerbox ] && [ -x /usr/sbin/smsbox ] && [ -x /usr/lib/kannel/test/fakesmsc ]; then
  echo "Kannel is already installed."
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends kannel kannel-extras
echo "Installed: $(dpkg-query -W -f='${Package} ${Version}\n' kannel kannel-extras | tr '\n' ' ')"
