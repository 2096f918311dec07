#!/bin/bash
# First boot of a fleet instance. Secrets never go here: instances get what they need from their role.
set -euo pipefail
systemctl enable --now amazon-ssm-agent amazon-cloudwatch-agent || true
