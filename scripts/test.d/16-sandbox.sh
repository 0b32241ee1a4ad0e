# `patchbay sandbox gong` alone: a curl with the printed access key gets calls.
step "patchbay sandbox gong + curl with the printed key"
"$work/patchbay" sandbox gong --addr 127.0.0.1:0 --seed 7 >"$work/sandbox.out" 2>"$work/sandbox.err" &
sandbox_pid=$!
for _ in $(seq 1 100); do
  grep -q '^Access key secret: ' "$work/sandbox.out" 2>/dev/null && break
  kill -0 "$sandbox_pid" 2>/dev/null || { cat "$work/sandbox.err"; echo "sandbox exited early"; exit 1; }
  sleep 0.1
done
sb_url=$(sed -n 's/^Gong sandbox: //p' "$work/sandbox.out")
sb_key=$(sed -n 's/^Access key: //p' "$work/sandbox.out")
sb_secret=$(sed -n 's/^Access key secret: //p' "$work/sandbox.out")
[[ -n "$sb_url" && -n "$sb_key" && -n "$sb_secret" ]] || { cat "$work/sandbox.out"; echo "sandbox printed no URL or key"; exit 1; }
from=$(date -u -d '30 days ago' +%Y-%m-%dT%H:%M:%SZ)
to=$(date -u +%Y-%m-%dT%H:%M:%SZ)
calls=$(curl -s -u "$sb_key:$sb_secret" "$sb_url/v2/calls?fromDateTime=$from&toDateTime=$to")
grep -q '"calls":\[{"id":"[0-9]\{17,20\}"' <<<"$calls" || { echo "no calls from the sandbox: ${calls:0:300}"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -u "$sb_key:wrong" "$sb_url/v2/calls?fromDateTime=$from&toDateTime=$to")
[[ $code == 401 ]] || { echo "a wrong secret got $code, want 401"; exit 1; }
kill -TERM "$sandbox_pid"
wait "$sandbox_pid" || { echo "sandbox did not exit cleanly on SIGTERM"; exit 1; }
echo "sandbox: calls with the printed key, 401 with a wrong secret, clean shutdown"
