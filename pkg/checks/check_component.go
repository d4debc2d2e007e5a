package checks

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/benchmarks"
	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// Component checks: command-line flags of a control-plane component, etcd,
// the kubelet or kube-proxy, read from the running process.

// flagComponents are the components a component.flag check can read.
var flagComponents = map[string]evidence.Component{
	"kube-apiserver": evidence.APIServer, "kube-controller-manager": evidence.ControllerManager,
	"kube-scheduler": evidence.Scheduler, "etcd": evidence.Etcd, "kubelet": evidence.Kubelet, "kube-proxy": evidence.KubeProxy,
}

// flagNameParam is the parameter naming one command-line flag.
var flagNameParam = ParamSpec{Name: "flag", Type: "string", Required: true, Doc: "flag name without dashes"}

var flagOps = []string{"eq", "ne", "set", "unset", "in", "has", "lacks"}

// componentFlag decides one command-line flag of a component. Ops: eq/ne
// compare the value; set/unset test presence of a non-empty value; in
// passes when the value is one of a comma list; has passes when the flag's
// comma list contains every listed item; lacks when it contains none.
func componentFlag(p Params, ev *evidence.Node) Outcome {
	flag, want := p.String("flag"), p.String("value")
	f, stop := readFlag(ev, flagComponents[p.String("component")], flag, p.String("default"))
	if stop != nil {
		return *stop
	}
	v, set, obs := f.Value, f.Set, f.Obs
	if !set && p.String("default") != "" {
		v, set = p.String("default"), true
	}
	items := benchmarks.SplitList(v)
	var ok bool
	var why string
	switch p.String("op") {
	case "eq":
		ok, why = set && v == want, fmt.Sprintf("--%s must be %q", flag, want)
	case "ne":
		ok, why = !set || v != want, fmt.Sprintf("--%s must not be %q", flag, want)
	case "set":
		ok, why = set && v != "", fmt.Sprintf("--%s must be set", flag)
	case "unset":
		ok, why = !set || v == "", fmt.Sprintf("--%s must not be set", flag)
	case "in":
		ok, why = set && slices.Contains(benchmarks.SplitList(want), v), fmt.Sprintf("--%s must be one of %s", flag, want)
	case "has":
		ok, why = set, fmt.Sprintf("--%s must include %s", flag, want)
		for _, w := range benchmarks.SplitList(want) {
			ok = ok && slices.Contains(items, w)
		}
	case "lacks":
		ok, why = true, fmt.Sprintf("--%s must not include %s", flag, want)
		for _, w := range benchmarks.SplitList(want) {
			ok = ok && !slices.Contains(items, w)
		}
	}
	got := "unset"
	if set {
		got = fmt.Sprintf("%q", v)
	}
	return verdict(ok, fmt.Sprintf("--%s is %s (%s)", flag, got, why), fmt.Sprintf("--%s is %s: %s", flag, got, why), obs)
}

// componentFlagFalse passes when a boolean flag is explicitly false; an
// unset flag fails with the component's default named (profiling and the
// like default to true).
func componentFlagFalse(p Params, ev *evidence.Node) Outcome {
	c, flag, dflt := flagComponents[p.String("component")], p.String("flag"), p.String("default")
	return flagCheck(c, flag, dflt, func(v string, set bool) (bool, string) {
		if !set {
			return false, "--" + flag + " is not set (default " + dflt + ")"
		}
		return v == "false", "--" + flag + "=" + v
	})(ev)
}

// componentFlagMin passes when a numeric flag is set to at least min.
func componentFlagMin(p Params, ev *evidence.Node) Outcome {
	c, flag, min := flagComponents[p.String("component")], p.String("flag"), p.Int("min")
	return flagCheck(c, flag, "", func(v string, set bool) (bool, string) {
		if !set {
			return false, "--" + flag + " is not set"
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return false, fmt.Sprintf("--%s=%q is not a number", flag, v)
		}
		if n < min {
			return false, fmt.Sprintf("--%s is %d, below %d", flag, n, min)
		}
		return true, fmt.Sprintf("--%s is %d (at least %d)", flag, n, min)
	})(ev)
}

// bindLoopback passes when --bind-address is loopback. The CIS audit
// passes an unset flag, but the real default is 0.0.0.0 (every
// interface), so unset is FAIL here.
func bindLoopback(c evidence.Component) func(*evidence.Node) Outcome {
	return flagCheck(c, "bind-address", "0.0.0.0", func(v string, set bool) (bool, string) {
		if !set {
			return false, "--bind-address is not set: the default 0.0.0.0 listens on every interface"
		}
		return isLoopbackAddr(v), "--bind-address=" + v
	})
}

func init() {
	comps := slices.Sorted(maps.Keys(flagComponents))
	component := ParamSpec{Name: "component", Type: "string", Required: true, Enum: comps, Doc: "the process"}
	register(Check{
		ID:  "component.flag",
		Doc: "one command-line flag of a component process compared with a value (N/A where the component does not run)",
		Params: []ParamSpec{
			component,
			flagNameParam,
			{Name: "op", Type: "string", Required: true, Enum: flagOps, Doc: "eq, ne, set, unset, in (value is a comma list), has/lacks (the flag's comma list contains all/none of value)"},
			{Name: "value", Type: "string", Doc: "the value or comma list"},
			{Name: "default", Type: "string", Doc: "the component's default when the flag is unset"},
		},
		Eval: componentFlag,
	})
	register(Check{
		ID:     "component.flags-set",
		Doc:    "every listed command-line flag of a component is set to a non-empty value",
		Params: []ParamSpec{component, {Name: "flags", Type: "list", Required: true, Doc: "comma list of flag names without dashes"}},
		Eval: func(p Params, ev *evidence.Node) Outcome {
			return flagsPresent(flagComponents[p.String("component")], p.List("flags")...)(ev)
		},
	})
	register(Check{
		ID:     "component.flag-false",
		Doc:    "a boolean command-line flag of a component is explicitly false (unset means the component's default, which the control rejects)",
		Params: []ParamSpec{component, flagNameParam, {Name: "default", Type: "string", Required: true, Doc: "the component's default, named when the flag is unset"}},
		Eval:   componentFlagFalse,
	})
	register(Check{
		ID:     "component.flag-min",
		Doc:    "a numeric command-line flag of a component is set to at least min",
		Params: []ParamSpec{component, flagNameParam, {Name: "min", Type: "int", Required: true, Doc: "the smallest value that passes"}},
		Eval:   componentFlagMin,
	})
	register(Check{
		ID:     "component.bind-address-loopback",
		Doc:    "the component's --bind-address is a loopback address (unset means 0.0.0.0: FAIL)",
		Params: []ParamSpec{component},
		Eval: func(p Params, ev *evidence.Node) Outcome {
			return bindLoopback(flagComponents[p.String("component")])(ev)
		},
	})
}
