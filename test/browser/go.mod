// The HTML report in headless Chromium (hack/browser-test.sh, `make browser`):
// a module of its own so that its test-only requirements (chromedp, cdproto)
// stay out of the product's go.mod. The test builds the plugin from the
// repository root; the replace makes any package of the product it imports
// come from this checkout too.
module github.com/kubectl-harden/kubectl-harden/test/browser

go 1.26.0

replace github.com/kubectl-harden/kubectl-harden => ../..

require (
	github.com/chromedp/cdproto v0.160.1
	github.com/chromedp/chromedp v0.23.1
)

require github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
