#!/bin/sh
set -e
if [ "$1" = "remove" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl stop keywarden-agent.service || true
  systemctl disable keywarden-agent.service >/dev/null || true
fi
exit 0
