package checks

import (
	"strings"

	"github.com/kubectl-harden/kubectl-harden/pkg/evidence"
)

// etcd checks. Every setting is read from the command line, falling back
// to the ETCD_* environment variable etcd also honours (--cert-file and
// ETCD_CERT_FILE).

// etcdEnv is the environment variable etcd reads for a flag.
func etcdEnv(flag string) string {
	return "ETCD_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// etcdPair passes when both flags (or env) are set.
func etcdPair(f1, e1, f2, e2 string) func(*evidence.Node) Outcome {
	return func(ev *evidence.Node) Outcome {
		p, na := needProcess(ev, evidence.Etcd)
		if na != nil {
			return *na
		}
		v1, ok1, o1 := envFlagObs(p, f1, e1, "")
		v2, ok2, o2 := envFlagObs(p, f2, e2, "")
		return verdict(ok1 && ok2 && v1 != "" && v2 != "", "--"+f1+" and --"+f2+" are set",
			"--"+f1+" and --"+f2+" must both be set", o1, o2)
	}
}

// etcdBool passes when a boolean is (or defaults to) want.
func etcdBool(flag, env string, dflt, want bool) func(*evidence.Node) Outcome {
	return func(ev *evidence.Node) Outcome {
		p, na := needProcess(ev, evidence.Etcd)
		if na != nil {
			return *na
		}
		d := "false"
		if dflt {
			d = "true"
		}
		v, set, o := envFlagObs(p, flag, env, d)
		if !set {
			v = d
		}
		w := "false"
		if want {
			w = "true"
		}
		if !set {
			return verdict(v == w, "--"+flag+" is not set: the default "+d+" applies", "--"+flag+" is not set: the default "+d+" applies", o)
		}
		return verdict(v == w, "--"+flag+"="+v, "--"+flag+"="+v, o)
	}
}

// etcdDedicatedCA decides etcd.dedicated-ca: etcd must trust its own CA,
// not the cluster CA. The CIS audit only checks that a CA file is set; we also fail
// when it is the cluster CA (same path, or the same certificate subject as
// kube-apiserver's --client-ca-file).
func etcdDedicatedCA(ev *evidence.Node) Outcome {
	p, na := needProcess(ev, evidence.Etcd)
	if na != nil {
		return *na
	}
	ca, set, o := envFlagObs(p, "trusted-ca-file", "ETCD_TRUSTED_CA_FILE", "")
	obs := []Observation{o}
	if !set || ca == "" {
		return fail("etcd has no --trusted-ca-file: client certificates are not verified against a dedicated CA", obs...)
	}
	clusterCAs := []string{pkiDirOf(ev) + "/ca.crt"}
	if api := ev.Process(evidence.APIServer); api != nil {
		obs = append(obs, flagObs(api, evidence.APIServer, "client-ca-file", ""))
		if v, ok := api.Flag("client-ca-file"); ok && v != "" {
			clusterCAs = append(clusterCAs, v)
		}
	}
	for _, c := range clusterCAs {
		if c == ca {
			return fail("etcd trusts the cluster CA "+ca+": any certificate of the cluster CA can talk to etcd", obs...)
		}
		a, b := ev.Certificates[c], ev.Certificates[ca]
		if a != nil && b != nil && a.Error == "" && b.Error == "" && a.Subject == b.Subject && a.NotBefore.Equal(b.NotBefore) {
			return fail("etcd's CA "+ca+" is the same certificate as the cluster CA "+c, obs...)
		}
	}
	return pass("etcd trusts its own CA "+ca+", distinct from the cluster CA", obs...)
}

func init() {
	register(Check{ID: "etcd.flags-set", Doc: "both etcd flags (or their ETCD_* variables) are set to non-empty values",
		Params: []ParamSpec{{Name: "flags", Type: "list", Required: true, Doc: "two flag names without dashes, e.g. cert-file,key-file"}},
		Eval: func(p Params, ev *evidence.Node) Outcome {
			fs := p.List("flags")
			if len(fs) != 2 {
				return errorOutcome("etcd.flags-set needs exactly two flags")
			}
			return etcdPair(fs[0], etcdEnv(fs[0]), fs[1], etcdEnv(fs[1]))(ev)
		}})
	register(Check{ID: "etcd.boolean-flag", Doc: "a boolean etcd flag (or its ETCD_* variable) is, or defaults to, want",
		Params: []ParamSpec{
			flagNameParam,
			{Name: "want", Type: "bool", Required: true, Doc: "the value that passes"},
			{Name: "default", Type: "bool", Required: true, Doc: "etcd's default when neither flag nor variable is set"},
		},
		Eval: func(p Params, ev *evidence.Node) Outcome {
			return etcdBool(p.String("flag"), etcdEnv(p.String("flag")), p.Bool("default"), p.Bool("want"))(ev)
		}})
	register(Check{ID: "etcd.dedicated-ca", Doc: "etcd's --trusted-ca-file is set and is not the cluster CA (same path or same certificate)",
		Eval: func(_ Params, ev *evidence.Node) Outcome { return etcdDedicatedCA(ev) }})
}
