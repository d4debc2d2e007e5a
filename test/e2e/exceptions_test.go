//go:build e2e

package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-harden/kubectl-harden/internal/testutil"
	"github.com/kubectl-harden/kubectl-harden/pkg/report"
)

const exceptionsFixtures = "testdata/exceptions-workloads.yaml"

// TestAllExceptions gates `kubectl harden all` with an exceptions file the
// way CI does: one live exception (kind's etcd data directory owner, 1.1.12
// on the control plane), one expired (1.2.16, audit logging), one that
// matches nothing, and one that accepts one of two privileged deployments
// (5.2.2 partly accepted). It checks the statuses, the audit on stderr and
// in the report, and the exit codes of --fail-on FAIL.
func TestAllExceptions(t *testing.T) {
	// Parallel: its assertions are on node controls and on its own
	// fixtures (namespace exc-e2e); 5.2.2 FAILs because of exc-web whatever
	// else runs.
	t.Parallel()
	deleteFixtures := func() {
		if out, err := kubectlOut(context.Background(), "delete", "-f", exceptionsFixtures, "--ignore-not-found", "--wait=true", "--timeout=180s"); err != nil {
			t.Errorf("deleting the fixtures: %v\n%s", err, out)
		}
	}
	deleteFixtures()
	t.Cleanup(deleteFixtures)
	if !eventually(30*time.Second, 2*time.Second, func() bool {
		_, err := kubectlOut(context.Background(), "apply", "-f", exceptionsFixtures)
		return err == nil
	}) {
		t.Fatalf("kubectl apply -f %s failed", exceptionsFixtures)
	}

	file := filepath.Join(t.TempDir(), "exceptions.yaml")
	testutil.WriteFile(t, file, `apiVersion: kubectl-harden.io/v1
kind: Exceptions
exceptions:
- controls: ["1.1.12"]
  targets: ["*-control-plane"]
  reason: "kind runs etcd as root; tracked in OPS-123"
  owner: platform-team
  expires: 2099-12-31
- controls: ["1.2.16"]
  reason: "audit logs were shipped elsewhere"
  expires: 2020-01-01
- controls: ["4.2.*"]
  targets: ["no-such-node"]
  reason: "a node that is gone"
- controls: ["5.2.2"]
  objects: ["deployment/exc-e2e/exc-agent"]
  reason: "the agent needs privileged; reviewed in SEC-9"
`)

	r := harden(t, scanTimeout, "all", "--exceptions", file, "--fail-on", "FAIL", "-o", "json")
	if r.exit != 2 {
		t.Fatalf("want exit 2: other FAILs, the expired exception's and 5.2.2's remain:\n%s", r)
	}
	rep := decodeReport(t, r)
	cp := target(t, rep, cluster.cp)
	if res := result(t, cp, "1.1.12"); res.Status != report.StatusAccepted || res.AcceptedStatus != report.StatusFail ||
		res.Exception == nil || res.Exception.Owner != "platform-team" || res.Exception.Expires != "2099-12-31" {
		t.Errorf("live exception: %s, accepted %s, %+v", describe(res), res.AcceptedStatus, res.Exception)
	}
	if res := result(t, cp, "1.2.16"); res.Status != report.StatusFail || !strings.Contains(res.Reason, "exception expired on 2020-01-01") {
		t.Errorf("expired exception: %s", describe(res))
	}
	wl := target(t, rep, "workloads")
	priv := result(t, wl, "5.2.2")
	if priv.Status != report.StatusFail {
		t.Errorf("5.2.2 is partly accepted and must stay FAIL: %s", describe(priv))
	}
	var agent, web report.Status
	for _, o := range priv.Evidence {
		switch o.Object.String() {
		case "deployment/exc-e2e/exc-agent":
			agent = o.Status
		case "deployment/exc-e2e/exc-web":
			web = o.Status
		}
	}
	if agent != report.StatusAccepted || web != report.StatusFail {
		t.Errorf("5.2.2 objects: exc-agent %q, exc-web %q: %s", agent, web, describe(priv))
	}
	if rep.Summary.Accepted < 1 {
		t.Errorf("summary %+v", rep.Summary)
	}
	states := map[string]string{}
	for _, e := range rep.Metadata.Exceptions.Entries {
		states[strings.Join(e.Controls, ",")] = e.State
	}
	for ctl, want := range map[string]string{"1.1.12": "applied", "1.2.16": "expired", "4.2.*": "unused", "5.2.2": "applied"} {
		if states[ctl] != want {
			t.Errorf("audit of %s: %q, want %q (all: %v)", ctl, states[ctl], want, states)
		}
	}
	for _, want := range []string{
		"Exceptions: 4 in " + file + ": 2 applied, 1 unused, 1 expired",
		"(controls 1.2.16) expired on 2020-01-01: it no longer applies",
		"(controls 4.2.*) matched no finding (unused)",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}

	// The gate: only the accepted control kept, exit 0; the raw verdict
	// (--ignore-exceptions) trips it; the expired exception never hides.
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"--control", "1.1.12"}, 0},
		{[]string{"--control", "1.1.12", "--ignore-exceptions"}, 2},
		{[]string{"--control", "1.2.16"}, 2},
	} {
		args := append([]string{"all", "--exceptions", file, "--fail-on", "FAIL", "--timeout", "2m"}, c.args...)
		if r := harden(t, scanTimeout, args...); r.exit != c.want {
			t.Errorf("want exit %d:\n%s", c.want, r)
		}
	}

	// A malformed file stops the run before the cluster is contacted.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	testutil.WriteFile(t, bad, "apiVersion: kubectl-harden.io/v1\nkind: Exceptions\nexceptions:\n- controls: [\"1.1.12\"]\n")
	if r := harden(t, time.Minute, "all", "--exceptions", bad); r.exit != 1 || !strings.Contains(r.stderr, bad+":4:3: exception 1: reason is missing") || r.stdout != "" {
		t.Errorf("malformed file:\n%s", r)
	}
	assertNoLeftovers(t, 2*time.Minute)
}
