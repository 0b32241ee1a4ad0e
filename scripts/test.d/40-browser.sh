# The dashboard end to end in a real browser: Debian's Chromium driven by
# playwright-core (never a browser download) against `patchbay demo`.
step "Chromium for the browser tests"
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null; then
    echo "Chromium is missing: install it with 'apt-get install -y chromium' (as root)"; exit 1
  fi
  sudo_=""; [[ $(id -u) -ne 0 ]] && sudo_=sudo
  $sudo_ apt-get update -qq && $sudo_ apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version

step "npm packages for the browser tests"
(cd test/browser && npm ci --no-audit --no-fund --loglevel=error)

step "patchbay demo + the dashboard in Chromium"
start_demo browser
for _ in $(seq 1 50); do grep -q '^Data dir: ' "$work/browser.out" && break; sleep 0.1; done
demo_line() { sed -n "s/^$1: //p" "$work/browser.out"; }
screenshots="$root/test-results/screenshots"
rm -rf "$screenshots"
# The sandbox key and secret travel in the environment only, never in a log.
(cd test/browser && DASHBOARD_URL="$(demo_line Dashboard)" API_TOKEN="$api_token" \
  SANDBOX_URL="$(demo_line 'Gong sandbox')" SANDBOX_ACCESS_KEY="$(demo_line 'Gong sandbox access key')" \
  SANDBOX_ACCESS_KEY_SECRET="$(demo_line 'Gong sandbox access key secret')" SCREENSHOT_DIR="$screenshots" \
  node --test dashboard.test.mjs)
echo "screenshots of every dashboard page: $screenshots"
stop_demo
