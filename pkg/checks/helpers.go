package checks

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// ---- outcomes ----

func pass(reason string, ev ...Observation) Outcome {
	return Outcome{Status: StatusPass, Reason: reason, Evidence: ev}
}

func fail(reason string, ev ...Observation) Outcome {
	return Outcome{Status: StatusFail, Reason: reason, Evidence: ev}
}

func warn(reason string, ev ...Observation) Outcome {
	return Outcome{Status: StatusWarn, Reason: reason, Evidence: ev}
}

func notApplicable(reason string, ev ...Observation) Outcome {
	return Outcome{Status: StatusNA, Reason: reason, Evidence: ev}
}

func errorOutcome(reason string, ev ...Observation) Outcome {
	return Outcome{Status: StatusError, Reason: reason, Evidence: ev}
}

// verdict is PASS when ok, otherwise FAIL, with one reason for each.
func verdict(ok bool, passReason, failReason string, ev ...Observation) Outcome {
	if ok {
		return pass(passReason, ev...)
	}
	return fail(failReason, ev...)
}

// ---- processes and flags ----

// needProcess returns the process of a component, or an N/A outcome when
// it is not running on the node.
func needProcess(ev *evidence.Node, c evidence.Component) (*evidence.Process, *Outcome) {
	if p := ev.Process(c); p != nil {
		return p, nil
	}
	if why := ev.NotEstablished[c]; why != "" {
		o := errorOutcome(why)
		return nil, &o
	}
	o := notApplicable(string(c) + " is not running on this node")
	return nil, &o
}

// flagObs is the observation of one flag: its value, or "<unset>" with the
// default that then applies.
func flagObs(p *evidence.Process, c evidence.Component, flag, dflt string) Observation {
	obs := Observation{Location: string(c) + " --" + flag + originSuffix(p, flag)}
	if v, ok := p.Flag(flag); ok {
		obs.Value = v
		if v == "" {
			obs.Value = `""`
		}
		return obs
	}
	obs.Value = "<unset>"
	if dflt != "" {
		obs.Value += " (default " + dflt + ")"
	}
	return obs
}

// originSuffix names where a flag's value was read when it is not the
// process's own command line (" (from the k3s log line ...)"), "" otherwise.
func originSuffix(p *evidence.Process, flag string) string {
	if o := p.FlagOrigin(flag); o != "" {
		return " (" + o + ")"
	}
	return ""
}

// envFlagObs is flagObs for etcd, which also reads ETCD_* variables.
func envFlagObs(p *evidence.Process, flag, env, dflt string) (string, bool, Observation) {
	v, src, ok := p.EnvOrFlag(flag, env)
	if !ok {
		val := "<unset>"
		if dflt != "" {
			val += " (default " + dflt + ")"
		}
		return "", false, Observation{Location: "etcd --" + flag + " / " + env + originSuffix(p, flag), Value: val}
	}
	if v == "" {
		return v, true, Observation{Location: "etcd " + src + originSuffix(p, flag), Value: `""`}
	}
	return v, true, Observation{Location: "etcd " + src + originSuffix(p, flag), Value: v}
}

// flagCheck builds a decision over one flag of a component. decide gets the
// value and whether the flag is set, and says pass/fail and why.
func flagCheck(c evidence.Component, flag, dflt string, decide func(v string, set bool) (bool, string)) func(*evidence.Node) Outcome {
	return func(ev *evidence.Node) Outcome {
		f, stop := readFlag(ev, c, flag, dflt)
		if stop != nil {
			return *stop
		}
		ok, why := decide(f.Value, f.Set)
		return verdict(ok, why, why, f.Obs)
	}
}

// componentFlagValue is one command-line flag of a running component.
type componentFlagValue struct {
	Proc  *evidence.Process
	Value string
	Set   bool
	// Obs is the flag's observation (flagObs), dflt named when unset.
	Obs Observation
}

// readFlag reads one flag of component c; stop is the outcome when the
// component is not running on the node or its arguments are not
// established (needProcess).
func readFlag(ev *evidence.Node, c evidence.Component, flag, dflt string) (componentFlagValue, *Outcome) {
	p, stop := needProcess(ev, c)
	if stop != nil {
		return componentFlagValue{}, stop
	}
	v, set := p.Flag(flag)
	return componentFlagValue{Proc: p, Value: v, Set: set, Obs: flagObs(p, c, flag, dflt)}, nil
}

// flagsPresent passes when every flag is set to a non-empty value.
func flagsPresent(c evidence.Component, flags ...string) func(*evidence.Node) Outcome {
	return func(ev *evidence.Node) Outcome {
		p, na := needProcess(ev, c)
		if na != nil {
			return *na
		}
		var obs []Observation
		var missing []string
		for _, f := range flags {
			obs = append(obs, flagObs(p, c, f, ""))
			if v, ok := p.Flag(f); !ok || v == "" {
				missing = append(missing, "--"+f)
			}
		}
		if len(missing) > 0 {
			return fail(fmt.Sprintf("%s is not set", strings.Join(missing, " and ")), obs...)
		}
		return pass(fmt.Sprintf("%s set", joinFlags(flags)), obs...)
	}
}

func joinFlags(flags []string) string {
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = "--" + f
	}
	if len(out) == 1 {
		return out[0] + " is"
	}
	return strings.Join(out, " and ") + " are"
}

// parseKV parses "A=true,B=false" (feature gates).
func parseKV(v string) map[string]string {
	out := map[string]string{}
	for _, kv := range benchmarks.SplitList(v) {
		k, val, _ := strings.Cut(kv, "=")
		out[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}
	return out
}

// isLoopbackAddr reports whether host[:port] binds only to loopback.
func isLoopbackAddr(addr string) bool {
	host := addr
	if strings.HasPrefix(host, "[") {
		if i := strings.Index(host, "]"); i > 0 {
			host = host[1:i]
		}
	} else if strings.Count(host, ":") == 1 {
		host, _, _ = strings.Cut(host, ":")
	}
	switch {
	case host == "localhost", host == "::1":
		return true
	case strings.HasPrefix(host, "127."):
		return true
	}
	return false
}

// ---- files ----

// ownerName renders an id as its host name, "?" when the host does not know it.
func ownerName(names map[int]string, id int) string {
	if n, ok := names[id]; ok && n != "" {
		return n
	}
	if id == 0 && len(names) == 0 {
		return "root"
	}
	return "?"
}

// fileValue renders "0600 root:root (0:0)", and "... (symlink to /x)" when
// the path resolved through a symlink: the mode and owner are the target's.
func fileValue(ev *evidence.Node, f *evidence.File) string {
	v := fmt.Sprintf("%04o %s:%s (%d:%d)", f.Mode, ownerName(ev.Users, f.UID), ownerName(ev.Groups, f.GID), f.UID, f.GID)
	if f.Target != "" {
		v += " (symlink to " + f.Target + ")"
	}
	return v
}

// shownPath names a path in a reason, with the target it resolved to.
func shownPath(p string, f *evidence.File) string {
	if f.Target != "" {
		return p + " (symlink to " + f.Target + ")"
	}
	return p
}

// fileObs is the observation of one path, whatever its state.
func fileObs(ev *evidence.Node, p string) Observation {
	f := ev.File(p)
	switch {
	case f == nil:
		return Observation{Location: p, Value: "<not collected>", Path: p}
	case f.Error != "":
		return Observation{Location: p, Value: "<stat error: " + f.Error + ">", Path: p}
	case !f.Exists:
		return Observation{Location: p, Value: "<missing>", Path: p}
	}
	return Observation{Location: p, Value: fileValue(ev, f), Path: p}
}

// locator finds the paths a file control reads. It returns either paths to
// check (all seen to exist) or an outcome that ends the decision (N/A or
// ERROR, with its reason), plus observations explaining the choice.
type locator func(ev *evidence.Node) (paths []string, stop *Outcome, why []Observation)

// usable returns the file at p if it was seen to exist, otherwise an ERROR
// outcome naming what went wrong. what describes where the path came from.
func usable(ev *evidence.Node, p, what string) (*evidence.File, *Outcome) {
	f := ev.File(p)
	var o Outcome
	switch {
	case f == nil:
		o = errorOutcome(fmt.Sprintf("%s %s was not collected: not evaluated", what, p), fileObs(ev, p))
	case f.Error != "":
		o = errorOutcome(fmt.Sprintf("cannot stat %s %s: %s", what, p, f.Error), fileObs(ev, p))
	case !f.Exists:
		o = errorOutcome(fmt.Sprintf("%s %s does not exist on the host: not evaluated", what, p), fileObs(ev, p))
	default:
		return f, nil
	}
	return nil, &o
}

// fileSurvey is what a file check found: the files its locator names,
// judged one by one.
type fileSurvey struct {
	paths []string
	// obs are the locator's reasons, then one observation per file.
	obs       []Observation
	bad, errs []string
	// checked counts the files judged (judge's counted).
	checked int
}

// surveyFiles runs loc and judges every file it names that was seen to
// exist: judge says whether the file counts and, if it fails, why ("" when
// it passes). stop is the locator's own outcome (its reasons prepended).
func surveyFiles(ev *evidence.Node, loc locator, judge func(p string, f *evidence.File) (counted bool, bad string)) (fileSurvey, *Outcome) {
	paths, stop, why := loc(ev)
	if stop != nil {
		stop.Evidence = append(why, stop.Evidence...)
		return fileSurvey{}, stop
	}
	s := fileSurvey{paths: paths}
	for _, p := range paths {
		s.obs = append(s.obs, fileObs(ev, p))
		f, o := usable(ev, p, "file")
		if o != nil {
			s.errs = append(s.errs, o.Reason)
			continue
		}
		counted, bad := judge(p, f)
		if counted {
			s.checked++
		}
		if bad != "" {
			s.bad = append(s.bad, bad)
		}
	}
	s.obs = append(why, s.obs...)
	return s, nil
}

// modeCheck passes when no file has permission bits outside mask.
// Symbolic links are skipped: their own mode means nothing.
func modeCheck(loc locator, mask uint32) func(*evidence.Node) Outcome {
	return func(ev *evidence.Node) Outcome {
		s, stop := surveyFiles(ev, loc, func(p string, f *evidence.File) (bool, string) {
			if f.Type == "symlink" {
				return false, ""
			}
			if f.Mode&^mask != 0 {
				return true, fmt.Sprintf("%s is %04o", shownPath(p, f), f.Mode)
			}
			return true, ""
		})
		if stop != nil {
			return *stop
		}
		obs := s.obs
		switch {
		case len(s.bad) > 0:
			return fail(fmt.Sprintf("more permissive than %04o: %s", mask, summarize(s.bad)), obs...)
		case len(s.errs) > 0:
			return errorOutcome(summarize(s.errs), obs...)
		case s.checked == 0:
			return errorOutcome("no regular file to check", obs...)
		}
		if s.checked == 1 {
			return pass(fmt.Sprintf("mode is %04o or stricter", mask), obs...)
		}
		return pass(fmt.Sprintf("all %d files are %04o or stricter", s.checked, mask), obs...)
	}
}

// ownerCheck passes when every path is owned by user:group, compared by
// number against the host's /etc/passwd and /etc/group (root is always 0).
func ownerCheck(loc locator, user, group string) func(*evidence.Node) Outcome {
	return func(ev *evidence.Node) Outcome {
		uid, gid := wantID(ev.UID, user), wantID(ev.GID, group)
		s, stop := surveyFiles(ev, loc, func(p string, f *evidence.File) (bool, string) {
			if f.UID != uid || f.GID != gid {
				return true, fmt.Sprintf("%s is %s:%s (%d:%d)", shownPath(p, f),
					ownerName(ev.Users, f.UID), ownerName(ev.Groups, f.GID), f.UID, f.GID)
			}
			return true, ""
		})
		if stop != nil {
			return *stop
		}
		paths, obs, bad, errs := s.paths, s.obs, s.bad, s.errs
		want := fmt.Sprintf("%s:%s (%d:%d)", user, group, uid, gid)
		switch {
		case uid < 0 || gid < 0:
			// Only reachable for a non-root owner (etcd): callers that
			// want a softer verdict handle it before calling.
			if len(ev.Users) == 0 {
				return errorOutcome(fmt.Sprintf("host users and groups were not collected: cannot resolve %s:%s", user, group), obs...)
			}
			return fail(fmt.Sprintf("the host has no %s user or group, so nothing can be owned by %s:%s", user, user, group), obs...)
		case len(bad) > 0:
			return fail("not owned by "+want+": "+summarize(bad), obs...)
		case len(errs) > 0:
			return errorOutcome(summarize(errs), obs...)
		case len(paths) == 0:
			return errorOutcome("no file to check", obs...)
		}
		if len(paths) == 1 {
			return pass("owned by "+want, obs...)
		}
		return pass(fmt.Sprintf("all %d entries are owned by %s", len(paths), want), obs...)
	}
}

// wantID resolves root to 0 and other names through the host's tables.
func wantID(lookup func(string) int, name string) int {
	if name == "root" {
		return 0
	}
	return lookup(name)
}

// summarize joins items, shortening long lists.
func summarize(items []string) string {
	const max = 5
	if len(items) <= max {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:max], "; ") + fmt.Sprintf("; and %d more", len(items)-max)
}

// oneFile is a locator for a single path chosen by a component flag or the
// first existing candidate. comp is the component the file belongs to:
// when nothing is found and comp does not run here, the control is N/A;
// when comp runs, a missing file is ERROR (we never pass what we did not see).
func oneFile(what string, comp evidence.Component, flagPath func(*evidence.Node) (string, string), candidates []string) locator {
	return func(ev *evidence.Node) ([]string, *Outcome, []Observation) {
		if flagPath != nil {
			if p, src := flagPath(ev); p != "" {
				why := []Observation{{Location: src, Value: p}}
				if _, o := usable(ev, p, what); o != nil {
					return nil, o, why
				}
				return []string{p}, nil, why
			}
		}
		if comp != "" && !ev.Has(comp) && ev.NotEstablished[comp] != "" {
			// An embedded component's flags name its files: unknown here.
			o := errorOutcome(ev.NotEstablished[comp] + "; its " + what + " is named by those arguments")
			return nil, &o, nil
		}
		if p := ev.FirstExisting(candidates...); p != "" {
			return []string{p}, nil, nil
		}
		var obs []Observation
		collected := false
		for _, c := range candidates {
			obs = append(obs, fileObs(ev, c))
			if f := ev.File(c); f != nil && f.Error == "" {
				collected = true
			}
		}
		if !collected {
			o := errorOutcome(fmt.Sprintf("none of the known %s paths was collected: not evaluated", what), obs...)
			return nil, &o, nil
		}
		if comp != "" && !ev.Has(comp) {
			o := notApplicable(fmt.Sprintf("%s is not running on this node and no %s is present", comp, what), obs...)
			return nil, &o, nil
		}
		o := errorOutcome(fmt.Sprintf("no %s found at any known path (%s): not evaluated; if %s is configured elsewhere, review that file by hand", what, strings.Join(candidates, ", "), comp), obs...)
		return nil, &o, nil
	}
}

// filesUnder lists the collected paths under dir (dir itself included when
// withDir), sorted, keeping those accepted by keep (nil keeps all).
func filesUnder(ev *evidence.Node, dir string, withDir bool, keep func(p string, f *evidence.File) bool) []string {
	var out []string
	prefix := strings.TrimSuffix(dir, "/") + "/"
	for p, f := range ev.Files {
		if f == nil {
			continue
		}
		if !(strings.HasPrefix(p, prefix) || (withDir && p == strings.TrimSuffix(dir, "/"))) {
			continue
		}
		if (!f.Exists && f.Error == "") || (keep != nil && !keep(p, f)) {
			continue
		}
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// hasExt is a filesUnder filter on regular files with an extension.
func hasExt(ext string) func(string, *evidence.File) bool {
	return func(p string, f *evidence.File) bool {
		return path.Ext(p) == ext && f.Type != "dir"
	}
}
