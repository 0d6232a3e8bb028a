#!/usr/bin/env bash
# Install the Debian packages named on the command line when their command is missing.
# Usage: scripts/system_deps.sh redis-server [tesseract-ocr tesseract-ocr-eng] [poppler-utils] [prometheus] [nginx]
#        [chromium] [wrk] [nodejs npm] [python3-venv]
set -euo pipefail

command_for() {
  case "$1" in
    redis-server) echo redis-server ;;
    chromium) echo chromium ;;
    nodejs) echo node ;;
    prometheus) echo promtool ;;
    tesseract-ocr) echo tesseract ;;
    poppler-utils) echo pdftotext ;;
    python3-venv) echo "" ;;
    nginx) echo /usr/sbin/nginx ;; # in /usr/sbin, which a user's PATH may lack
    *) echo "$1" ;;
  esac
}

missing=()
for package in "$@"; do
  cmd=$(command_for "$package")
  if [ "$package" = tesseract-ocr-eng ]; then
    # Tesseract's English model is a data file, not a command: ask tesseract which languages it has.
    tesseract --list-langs 2>/dev/null | grep -qx eng || missing+=("$package")
  elif [ -z "$cmd" ]; then
    python3 -c 'import ensurepip' 2>/dev/null || missing+=("$package")
  elif ! command -v "$cmd" >/dev/null 2>&1; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=""
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
