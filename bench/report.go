package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func numCPU() int { return runtime.NumCPU() }

func goVersion() string {
	if v := commandOutput("go", "env", "GOVERSION"); v != "" {
		return v
	}
	return runtime.Version()
}

func commandOutput(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// cpuBusy is the share of all cores busy over d, from /proc/stat: before
// the run starts anything, it is what others are using.
func cpuBusy(d time.Duration) float64 {
	read := func() (busy, total int64) {
		b, err := os.ReadFile("/proc/stat")
		if err != nil {
			return 0, 0
		}
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		for i, v := range f[1:] {
			var n int64
			fmt.Sscan(v, &n)
			total += n
			if i != 3 && i != 4 { // idle, iowait
				busy += n
			}
		}
		return busy, total
	}
	b0, t0 := read()
	time.Sleep(d)
	b1, t1 := read()
	if t1 == t0 {
		return 0
	}
	return float64(b1-b0) / float64(t1-t0)
}

// ---- the report ----

type table struct {
	head []string
	rows [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) String() string {
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + c + " |")
		}
		b.WriteString("\n")
	}
	line(t.head)
	sep := make([]string, len(t.head))
	for i := range sep {
		sep[i] = "---"
		if i > 0 {
			sep[i] = "---:"
		}
	}
	line(sep)
	for _, r := range t.rows {
		line(r)
	}
	return b.String()
}

func f2(v float64) string { return fmt.Sprintf("%.2f", v) }
func f0(v float64) string { return fmt.Sprintf("%.0f", v) }
func mb(v int64) string   { return fmt.Sprintf("%.1f MB", float64(v)/1e6) }

type check struct {
	name, want, got string
	ok, known       bool
}

func (f *figures) report(root string) error {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	cfg := f.cfg
	cmd := "go run ./bench"
	if cfg.quick {
		cmd += " -quick"
	}
	lo, mean, hi := f.load.summary()
	w("# Benchmarks\n\n")
	w("Written by `%s` (bench/, issue 9): Patchbay's cost measured side by side with a direct call to the Gong sandbox, a floor gateway and a peer MCP server, in one run. Every figure is the median of %d interleaved rounds unless a row says otherwise; the order of the targets rotates from round to round.\n\n", cmd, cfg.rounds)
	w("- **Date**: %s (run took %s)\n", f.started.UTC().Format("2006-01-02 15:04 UTC"), f.elapsed.Round(time.Second))
	w("- **Machine**: %d cores (%s), %s memory, %s\n", f.machine.cores, orUnknown(f.machine.cpu), orUnknown(f.machine.mem), orUnknown(f.machine.kernel))
	w("- **Go**: %s; **Node** (peer): %s\n", f.machine.goVersion, orUnknown(f.machine.node))
	w("- **Load**: the machine is shared. Before the run: load average %s, %.0f%% of all cores busy with other work. During the run (bench included, which keeps about 2 cores busy): 1-minute load average min %.1f, mean %.1f, max %.1f. After: %s.\n", f.load.before, 100*f.machine.busyBefore, lo, mean, hi, f.load.after)
	w("- **Set-up**: every process on loopback: the Gong sandbox (`patchbay sandbox gong --no-limits`), `patchbay serve` on SQLite, the floor gateway and the peer each in their own process; the load generator is this program (closed loop, keep-alive HTTP/1.1, JSON bodies). Patchbay speaks MCP %s statelessly (no initialize); the peer needs a session per client and sends answers on its GET event stream, which the bench reads.\n", protocolVersion)
	w("- **Operations**: `list_all_gong_calls` (7 days, %s), `get_single_gong_call_by_id`, `create_a_gong_calls_transcript` (one call). The direct call is the exact HTTP request Patchbay builds (`upstream.Build`).\n\n", "one page")

	// (a)
	w("## (a) Added latency at 1 client (ms)\n\n")
	ta := &table{head: []string{"operation", "direct p50 / p99", "Patchbay p50 / p99", "**added p50 / p99**", "floor p50 / p99", "floor added p50"}}
	if f.has("peer") {
		ta.head = append(ta.head, "peer p50 / p99")
	}
	var addP50, addP99 []float64
	for _, op := range f.ops {
		d, p, fl := f.lat[op.tool]["direct"], f.lat[op.tool]["Patchbay"], f.lat[op.tool]["floor"]
		a50, a99 := median(p.p50)-median(d.p50), median(p.p99)-median(d.p99)
		addP50, addP99 = append(addP50, a50), append(addP99, a99)
		row := []string{"`" + op.tool + "`", pair(d), pair(p), "**" + f2(a50) + " / " + f2(a99) + "**", pair(fl), f2(median(fl.p50) - median(d.p50))}
		if f.has("peer") {
			row = append(row, pair(f.lat[op.tool]["peer"]))
		}
		ta.add(row...)
	}
	w("%s\n", ta)

	// (b)
	w("## (b) Throughput (requests/s; each client cycles through the three operations)\n\n")
	tb := &table{head: []string{"clients", "direct", "Patchbay", "floor"}}
	if f.has("peer") {
		tb.head = append(tb.head, "peer")
	}
	tb.head = append(tb.head, "Patchbay ÷ floor", "Patchbay ÷ peer", "Patchbay p50 / p99 (ms)")
	for _, c := range f.clients {
		s := f.tput[c]
		row := []string{fmt.Sprint(c), f0(median(s["direct"].rps)), f0(median(s["Patchbay"].rps)), f0(median(s["floor"].rps))}
		ratioPeer := "n/a"
		if f.has("peer") {
			row = append(row, f0(median(s["peer"].rps)))
			ratioPeer = f2(median(s["Patchbay"].rps)/median(s["peer"].rps)) + "×"
		}
		row = append(row, f2(median(s["Patchbay"].rps)/median(s["floor"].rps))+"×", ratioPeer, pair(s["Patchbay"]))
		tb.add(row...)
	}
	w("%s\n", tb)

	// (c)
	w("## (c) tools/list of the full Gong toolset\n\n")
	tc := &table{head: []string{"server", "tools", "answer bytes", "≈ tokens (bytes/4)", "p50 at 1 client (ms)", "p99 at 1 client (ms)", "requests/s at 16 clients"}}
	tc.add("Patchbay", fmt.Sprint(f.listTools), fmt.Sprint(f.listBytes), fmt.Sprint(f.listBytes/4), f2(median(f.listSeries1.p50)), f2(median(f.listSeries1.p99)), f0(median(f.listSeries16.rps)))
	if f.peerListBytes > 0 {
		tc.add("peer", fmt.Sprint(f.peerTools), fmt.Sprint(f.peerListBytes), fmt.Sprint(f.peerListBytes/4), "", "", "")
	}
	w("%s\n", tc)

	// (d)
	w("## (d) The peer: %s %s\n\n", peerPackage, peerVersion(root))
	if !f.has("peer") {
		w("Not measured: %s.\n\n", f.peerSkip)
	} else {
		td := &table{head: []string{"server", "requests/s at 16", "p50 / p99 at 16 (ms)", "requests/s at 64", "p50 / p99 at 64 (ms)", "RSS after the load", "peak RSS", "tools/list bytes"}}
		td.add("Patchbay", f0(median(f.tput[16]["Patchbay"].rps)), pair(f.tput[16]["Patchbay"]), f0(median(f.tput[64]["Patchbay"].rps)), pair(f.tput[64]["Patchbay"]), mb(f.pbRSS), mb(f.pbPeak), fmt.Sprint(f.listBytes))
		td.add("peer", f0(median(f.tput[16]["peer"].rps)), pair(f.tput[16]["peer"]), f0(median(f.tput[64]["peer"].rps)), pair(f.tput[64]["peer"]), mb(f.peerRSS), mb(f.peerPeak), fmt.Sprint(f.peerListBytes))
		w("%s\n", td)
		w("The peer runs on Node %s with the same sandbox, Gong's OpenAPI document (`integrations/gong/openapi.json`) and static Basic credentials; latencies at 1 client are in (a). RSS is read after (a)-(c) ran against both.\n\n", orUnknown(f.machine.node))
	}

	// (e)
	w("## (e) Memory: `patchbay serve` with %d MCP servers over %d accounts, 64 clients calling tools on random servers\n\n", f.memServer, f.memAccounts)
	te := &table{head: []string{"round", fmt.Sprintf("RSS after %d requests", f.cfg.memMark), fmt.Sprintf("RSS after %d requests", f.cfg.memTotal), "growth", "peak RSS", "requests/s", "errors"}}
	var rm, rt, gr, pk []float64
	for i, m := range f.mem {
		g := 100 * (float64(m.rssTotal)/float64(m.rssMark) - 1)
		rm, rt, gr, pk = append(rm, float64(m.rssMark)), append(rt, float64(m.rssTotal)), append(gr, g), append(pk, float64(m.peak))
		te.add(fmt.Sprint(i+1), mb(m.rssMark), mb(m.rssTotal), fmt.Sprintf("%+.1f %%", g), mb(m.peak), f0(m.rps), fmt.Sprint(m.errs))
	}
	te.add("**median**", "**"+mb(int64(median(rm)))+"**", "**"+mb(int64(median(rt)))+"**", fmt.Sprintf("**%+.1f %%**", median(gr)), mb(int64(median(pk))), "", "")
	w("%s\nEach round is a fresh process on the same database; RSS is the median of three readings 30 ms apart, taken while the load runs.\n\n", te)

	// (f)
	w("## (f) Start-up: `patchbay demo` (binary prebuilt), process start to the first successful tools/call\n\n")
	tf := &table{head: []string{"", "median (ms)", "min (ms)", "max (ms)", "runs"}}
	tf.add("fresh data dir: to the MCP URL line", f0(median(f.urlFresh)), f0(minOf(f.urlFresh)), f0(maxOf(f.urlFresh)), fmt.Sprint(len(f.urlFresh)))
	tf.add("fresh data dir: to the first tools/call answer", f0(median(f.startFresh)), f0(minOf(f.startFresh)), f0(maxOf(f.startFresh)), fmt.Sprint(len(f.startFresh)))
	tf.add("restart on the same data dir", f0(median(f.startAgain)), f0(minOf(f.startAgain)), f0(maxOf(f.startAgain)), fmt.Sprint(len(f.startAgain)))
	w("%s\n", tf)

	// (g)
	w("## (g) Agent cost: the guide's three workflows by the scripted agent (test/agent)\n\n")
	w("Each workflow run on the true-to-life sandbox company against an MCP server with every tool: by the finder tools, and by the plain API tools alone (scan listings, match and cut by hand); and by the finder tools on a discovery-mode server, where tools/list holds three meta-tools and the agent finds each tool with search_tools before calling it through call_tool (its searches are the calls in brackets). Answer bytes are what the model reads from tool answers; tools/list is read once per conversation on top; upstream requests are the audit log's count. Targets: the finder route at most a quarter of the plain route's bytes for the post-mortem and the briefing (issue 16); discovery mode's tools/list at most 4 KB (issue 19).\n\n")
	w("%s\n", f.agentTable())

	// Targets.
	w("## Targets (issue 9)\n\n")
	var checks []check
	add := func(name, want string, got float64, unit string, ok bool, known bool) {
		checks = append(checks, check{name: name, want: want, got: fmt.Sprintf("%.2f%s", got, unit), ok: ok, known: known})
	}
	maxA50, maxA99 := maxOf(addP50), maxOf(addP99)
	add("added p50 latency of tools/call (worst operation)", "≤ 0.3 ms", maxA50, " ms", maxA50 <= 0.3, true)
	add("added p99 latency of tools/call (worst operation)", "≤ 2 ms", maxA99, " ms", maxA99 <= 2, true)
	rf := median(f.tput[16]["Patchbay"].rps) / median(f.tput[16]["floor"].rps)
	add("throughput at 16 clients ÷ floor gateway", "≥ 0.25×", rf, "×", rf >= 0.25, true)
	if f.has("peer") {
		rp := median(f.tput[16]["Patchbay"].rps) / median(f.tput[16]["peer"].rps)
		add("throughput at 16 clients ÷ peer", "≥ 5×", rp, "×", rp >= 5, true)
	} else {
		checks = append(checks, check{name: "throughput at 16 clients ÷ peer", want: "≥ 5×", got: "peer not measured"})
	}
	lp := median(f.listSeries1.p50)
	add("tools/list p50 at 1 client", "≤ 2 ms", lp, " ms", lp <= 2, true)
	peakRSS := maxOf(rt)
	add("RSS in (e), after the last request (worst round)", "≤ 64 MB", peakRSS/1e6, " MB", peakRSS <= 64e6, true)
	g := median(gr)
	add(fmt.Sprintf("RSS growth from %d to %d requests", f.cfg.memMark, f.cfg.memTotal), "≤ 10 %", g, " %", g <= 10, true)
	st := median(f.startFresh)
	add("start-up to the first tools/call (fresh data dir)", "≤ 1 s", st/1000, " s", st <= 1000, true)
	tt := &table{head: []string{"target", "threshold", "measured", "met"}}
	for _, c := range checks {
		met := "—"
		if c.known {
			met = "yes"
			if !c.ok {
				met = "**no**"
			}
		}
		tt.add(c.name, c.want, c.got, met)
	}
	w("%s\n", tt)

	// Errors and notes.
	var errs []string
	for _, byT := range f.lat {
		for name, s := range byT {
			if s.errs > 0 {
				errs = append(errs, fmt.Sprintf("%s (1 client): %d errors, first: %v", name, s.errs, s.firstErr))
			}
		}
	}
	for c, byT := range f.tput {
		for name, s := range byT {
			if s.errs > 0 {
				errs = append(errs, fmt.Sprintf("%s (%d clients): %d errors, first: %v", name, c, s.errs, s.firstErr))
			}
		}
	}
	for i, m := range f.mem {
		if m.errs > 0 {
			errs = append(errs, fmt.Sprintf("memory round %d: %d errors, first: %v", i+1, m.errs, m.firstErr))
		}
	}
	if len(errs) > 0 || len(f.notes) > 0 {
		w("## Errors and notes\n\n")
		for _, e := range append(errs, f.notes...) {
			w("- %s\n", e)
		}
		w("\n")
	}
	report := b.String()
	fmt.Println()
	fmt.Print(report)

	if cfg.out == "" {
		return nil
	}
	var doc strings.Builder
	doc.WriteString(report)
	if notes, err := os.ReadFile(filepath.Join(root, "bench", "NOTES.md")); err == nil {
		doc.WriteString("\n")
		doc.Write(notes)
	}
	if err := os.WriteFile(cfg.out, []byte(doc.String()), 0o644); err != nil {
		return err
	}
	fmt.Println("written:", cfg.out)
	return nil
}

func (f *figures) has(name string) bool {
	for _, t := range f.targets {
		if t == name {
			return true
		}
	}
	return false
}

func pair(s *series) string {
	if s == nil {
		return "n/a"
	}
	return f2(median(s.p50)) + " / " + f2(median(s.p99))
}

func minOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	m := v[0]
	for _, x := range v {
		m = min(m, x)
	}
	return m
}

func maxOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	m := v[0]
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func peerVersion(root string) string {
	if v := installedVersion(filepath.Join(root, "bench")); v != "" {
		return v
	}
	return ""
}
