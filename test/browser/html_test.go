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
	build := exec.Command("go", "build", "-o", bin, "./cmd/kubectl-harden")
	build.Dir = root
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
