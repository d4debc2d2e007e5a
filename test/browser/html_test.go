//go:build browser

// The browser test opens the -o html report in a real headless Chromium and
// checks its DOM through the DevTools protocol. It needs no cluster: the
// report is made from the evidence fixtures. It is a module of its own so
// that chromedp stays out of the product's go.mod. Run it with
//
//	make browser                  # hack/browser-test.sh: installs Chromium if needed
//	apt-get install -y chromium   # or by hand (Debian; any Chrome/Chromium on PATH works):
//	cd test/browser && go test -tags browser -run TestHTMLReportInChromium -v .
//
// HARDEN_SCREENSHOT=docs/html-report.png (relative to the repository root)
// also writes the screenshot used by the README.
package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

type htmlReport struct {
	Summary struct {
		Fail, Warn, NA, Total int
	} `json:"summary"`
}

func TestHTMLReportInChromium(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "kubectl-harden")
	// -trimpath and CGO_ENABLED=0 as the Makefile, hack/lib.sh and GoReleaser
	// build it: the packages come from the build cache and only the link runs.
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/kubectl-harden")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// A two-node report from the evidence fixtures (control plane + worker).
	ev := filepath.Join(dir, "evidence")
	if err := os.MkdirAll(ev, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"kind-control-plane.json", "kind-worker.json"} {
		b, err := os.ReadFile(filepath.Join(root, "pkg", "evidence", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ev, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	harden := func(format string) []byte {
		cmd := exec.Command(bin, "scan", "--from-evidence", "evidence", "-o", format)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("scan -o %s: %v", format, err)
		}
		return out
	}
	var rep htmlReport
	if err := json.Unmarshal(harden("json"), &rep); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, harden("html"), 0o644); err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Fail == 0 || rep.Summary.Total == 0 {
		t.Fatalf("the fixture report has no FAIL: %+v", rep.Summary)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(filepath.Join(dir, "chromium-profile")),
		chromedp.WindowSize(1400, 1000),
	)
	if p := os.Getenv("HARDEN_CHROMIUM"); p != "" {
		opts = append(opts, chromedp.ExecPath(p))
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	// Every request the page makes: only the file itself is allowed.
	var mu sync.Mutex
	var requests []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}

	eval := func(js string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return n
	}
	visible := func(selector string) int {
		t.Helper()
		return eval(`Array.from(document.querySelectorAll(` + jsString(selector) + `)).filter(function(e){return e.offsetParent!==null}).length`)
	}
	count := func(selector string) int {
		t.Helper()
		return eval(`document.querySelectorAll(` + jsString(selector) + `).length`)
	}
	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	setTarget := func(v string) {
		t.Helper()
		eval(`(function(){document.getElementById('f-target').value = ` + jsString(v) + `; return 1})()`)
		eval(`document.getElementById('f-target').dispatchEvent(new Event('change')) ? 1 : 0`)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate("file://"+page), chromedp.WaitVisible(chromedp.CSS("#summary"))); err != nil {
		t.Fatalf("opening the report: %v", err)
	}

	// Every result is on the page; N/A rows are hidden by default.
	if n := count("tr.result"); n != rep.Summary.Total {
		t.Errorf("%d result rows, the report has %d results", n, rep.Summary.Total)
	}
	if n := count(`tr.result[data-status="FAIL"]`); n != rep.Summary.Fail {
		t.Errorf("%d FAIL rows, the report has %d FAIL", n, rep.Summary.Fail)
	}
	if n := visible("tr.result"); n != rep.Summary.Total-rep.Summary.NA {
		t.Errorf("%d rows shown, want %d (all but N/A)", n, rep.Summary.Total-rep.Summary.NA)
	}

	// Unticking FAIL hides the FAIL rows and only them.
	before := visible("tr.result")
	do(chromedp.Click(chromedp.CSS(`input.f-status[value="FAIL"]`)))
	if n := visible(`tr.result[data-status="FAIL"]`); n != 0 {
		t.Errorf("%d FAIL rows still shown with FAIL unticked", n)
	}
	if n := visible("tr.result"); n != before-rep.Summary.Fail {
		t.Errorf("%d rows shown with FAIL unticked, want %d", n, before-rep.Summary.Fail)
	}
	do(chromedp.Click(chromedp.CSS(`input.f-status[value="FAIL"]`)))
	if n := visible("tr.result"); n != before {
		t.Errorf("%d rows shown with FAIL ticked again, want %d", n, before)
	}

	// The target filter shows one node.
	worker, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelectorAll('#f-target option')[2].value`))
	if err != nil {
		t.Fatal(err)
	}
	setTarget(worker)
	if n, all := visible(`tr.result[data-target="`+worker+`"]`), visible("tr.result"); n == 0 || n != all || n == before {
		t.Errorf("target %s: %d of %d shown rows are its own (%d before)", worker, n, all, before)
	}
	setTarget("")

	// Search narrows the rows to those that mention the text.
	do(chromedp.SendKeys(chromedp.CSS("#f-search"), "anonymous"))
	texts, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('tr.result')).filter(function(e){return e.offsetParent!==null}).map(function(e){return e.textContent})`))
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) == 0 || len(texts) >= before {
		t.Errorf("search 'anonymous' shows %d of %d rows", len(texts), before)
	}
	for _, s := range texts {
		if !strings.Contains(strings.ToLower(s), "anonymous") {
			t.Errorf("row shown by the search lacks the text: %.100q", s)
		}
	}
	counter, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#f-count")))
	if err != nil || !strings.Contains(counter, fmt.Sprintf("%d of %d results shown", len(texts), rep.Summary.Total)) {
		t.Errorf("counter %q: %v", counter, err)
	}

	// Back to the default view for the screenshot.
	eval(`(function(){var s=document.getElementById('f-search'); s.value=''; s.dispatchEvent(new Event('input')); return 1})()`)
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "html-report.png")
	if p := os.Getenv("HARDEN_SCREENSHOT"); p != "" {
		shot = filepath.Join(root, p)
	}
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if len(png) < 10000 || string(png[1:4]) != "PNG" {
		t.Errorf("screenshot is %d bytes, not a PNG of a page", len(png))
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(png))

	// At a laptop width the page reads without scrolling sideways: long
	// values (1.2.29's cipher list in its remediation) wrap in their own
	// cell, no column is squeezed to a word per line, the remediation is
	// whole, every section is named and lists its findings first, and long
	// evidence lists are folded.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768)); err != nil {
		t.Fatal(err)
	}
	if w, inner := eval(`document.documentElement.scrollWidth`), eval(`window.innerWidth`); w > inner {
		t.Errorf("at 1366 pixels the page is %d pixels wide: it scrolls sideways", w)
	}
	if n := eval(`Array.from(document.querySelectorAll('table')).filter(function(t){return t.getBoundingClientRect().right > window.innerWidth + 1}).length`); n != 0 {
		t.Errorf("%d tables reach past the right edge", n)
	}
	row := `Array.from(document.querySelectorAll('tr.result')).find(function(r){return r.children[1].textContent === '1.2.29'})`
	if eval(`(`+row+`) ? 1 : 0`) != 1 {
		t.Fatal("no row for 1.2.29 in the page")
	}
	rem, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(`+row+`).children[6].textContent`))
	if err != nil || !strings.Contains(rem, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384") {
		t.Errorf("1.2.29's remediation is not the one with the cipher list: %q %v", rem, err)
	}
	for i, name := range []string{"Title", "Reason", "Remediation"} {
		cell := `(` + row + `).children[` + []string{"3", "4", "6"}[i] + `]`
		if w := eval(`Math.floor(` + cell + `.getBoundingClientRect().width)`); w < 150 {
			t.Errorf("1.2.29's %s column is %d pixels wide: squeezed", name, w)
		}
		if over := eval(cell + `.scrollWidth - ` + cell + `.clientWidth`); over > 1 {
			t.Errorf("1.2.29's %s is cut: %d pixels overflow its cell", name, over)
		}
	}
	if n := eval(`Array.from(document.querySelectorAll('td')).filter(function(c){return c.scrollWidth > c.clientWidth + 1}).length`); n != 0 {
		t.Errorf("%d cells overflow (text cut or hidden)", n)
	}
	heading, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('section.sec[data-section="1.2"] h2').textContent`))
	if err != nil || !strings.HasPrefix(heading, "1.2 API Server") {
		t.Errorf("section 1.2 is headed %q (%v)", heading, err)
	}
	if n := eval(`Array.from(document.querySelectorAll('section.sec')).filter(function(s){
		var seenPass = false, late = false;
		s.querySelectorAll('tr.result').forEach(function(r){
			var st = r.getAttribute('data-status');
			if (st === 'PASS' || st === 'INFO' || st === 'NA') { seenPass = true } else if (seenPass) { late = true }
		});
		return late}).length`); n != 0 {
		t.Errorf("%d sections list a FAIL, WARN or ERROR after a PASS", n)
	}
	if n := eval(`document.querySelectorAll('details.more').length`); n == 0 {
		t.Error("no long evidence list is folded")
	}
	// checkVisibility sees what a closed <details> hides (its content keeps
	// a layout box in Chromium, so offsetParent does not).
	if n := eval(`Array.from(document.querySelectorAll('details.more pre.ev')).filter(function(e){return e.checkVisibility()}).length`); n != 0 {
		t.Errorf("%d folded evidence lines are shown before the reader opens them", n)
	}
	do(chromedp.Click(chromedp.CSS(`details.more summary`)))
	if n := eval(`Array.from(document.querySelector('details.more').querySelectorAll('pre.ev')).filter(function(e){return e.checkVisibility()}).length`); n == 0 {
		t.Error("opening a folded list shows nothing")
	}

	mu.Lock()
	defer mu.Unlock()
	if len(requests) == 0 {
		t.Error("no request seen at all: the request listener does not work")
	}
	for _, u := range requests {
		if !strings.HasPrefix(u, "file://"+page) {
			t.Errorf("the page fetched %s: it must be self-contained", u)
		}
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
