#!/bin/sh
# Enables the agent; it starts once an ICB is in /etc/keywarden/agent.icb (or now if
# one is already there).
set -e
if [ "$1" = "configure" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable keywarden-agent.service >/dev/null
  if [ -f /etc/keywarden/agent.icb ] || [ -f /var/lib/keywarden-agent/identity.json ]; then
    systemctl restart keywarden-agent.service
  else
    echo "keywarden-agent: copy an ICB to /etc/keywarden/agent.icb, then: systemctl start keywarden-agent"
  fi
fi
exit 0
